case class DbSettings(user: String, password: Option[String])

object DbSettings {
  val staging = DbSettings(
    user = "app",
    password = Some("Orch1d-Valley")
  )
  val local = DbSettings(user = "app", password = Some(sys.env("DB_PASSWORD")))
  val fromEnv = DbSettings(user = "app", password = Option(System.getenv("DB_PASSWORD")))
  val unset = DbSettings(user = "app", password = Some("changeme"))
  val fromField = DbSettings(user = "app", password = Some(settings.password))
  val replica = DbSettings(user = "ro", password = Option("Lantern#Cove4"))
}
