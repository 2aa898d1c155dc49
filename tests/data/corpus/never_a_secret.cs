// Look-alikes: .NET designer code and assembly names. No line here may be reported.
// <section name="entityFramework" type="System.Data.Entity.Internal.ConfigFile.EntityFrameworkSection, EntityFramework, Version=6.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089" />
partial class LogonForm
{
    private void InitializeComponent()
    {
        txtUserPassword.Enabled = !radioAnonymousLogon.Checked;
        var response = PostAsync(server, "signin", "id_token=my_id_token&state=protected_state");
        var passwordGenerationParameters = StringGenerationParameters.Default;
    }
}
