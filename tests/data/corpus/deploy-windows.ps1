# Registers the deployment service account on the build agents.
$user = "ACME\svc-deploy"
$password = ConvertTo-SecureString "Lantern-Fog-19" -AsPlainText -Force
$cred = New-Object System.Management.Automation.PSCredential($user, $password)
$fromVault = ConvertTo-SecureString $env:DEPLOY_PASSWORD -AsPlainText -Force
$typed = Read-Host -Prompt "Password" -AsSecureString
$again = ConvertTo-SecureString "$password" -AsPlainText -Force
& sqlcmd.exe -S sql01 -U deploy -P $env:DEPLOY_PASSWORD -Q "SELECT 1"
New-LocalUser -Name svc-build -Password Brass-Lantern-7 -Description "build agent"
New-LocalUser -Name svc-build -Password $buildPassword
