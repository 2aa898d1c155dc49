using System.Net.Http;
using Npgsql;

namespace Acme.Orders
{
    public static class Connections
    {
        public const string Orders = "Host=pg-orders.acme.io;Port=5432;Database=orders;Username=orders_app;Password=Saffron-Tide-34;";
        public const string Legacy = "Driver={ODBC Driver 18 for SQL Server};Server=legacy01;Uid=etl;Pwd=Birch&Ember2;";
        public const string Reports = "Data Source=rep01;Initial Catalog=reports;User ID=rep;Password=Quiet-Otter-15";
        public const string Local = "Server=(localdb)\\mssqllocaldb;Database=orders;Trusted_Connection=True;";
        public const string FromEnv = "Host=pg-orders.acme.io;Database=orders;Username=orders_app;Password=" + Environment.GetEnvironmentVariable("ORDERS_DB_PASSWORD") + ";";
        public const string Template = "Host={0};Database=orders;Username={1};Password={2};";
        public const string Docs = "Host=localhost;Database=orders;Username=app;Password=<password>;";

        public static HttpClient Reporting()
        {
            var client = new HttpClient();
            client.DefaultRequestHeaders.Add("Authorization", "Basic c3ZjLXJlcG9ydDpIb2xsb3c5UGluZQ==");
            return client;
        }

        public static HttpClient FromSettings(string user, string password)
        {
            var client = new HttpClient();
            var token = Convert.ToBase64String(Encoding.ASCII.GetBytes($"{user}:{password}"));
            client.DefaultRequestHeaders.Add("Authorization", "Basic " + token);
            return client;
        }
    }
}
