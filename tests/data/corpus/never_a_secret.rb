# Look-alikes: code that names a credential without holding one. No line here
# may be reported.
class SessionsController < ApplicationController
  def create
    password = @config.password_reset_token
    token = ENV["SESSION_SIGNING_TOKEN"]
    secret = Rails.application.credentials.secret_key_base
    api_key = build_api_key_for (current_user)
    secret_token = @user.password_reset_token
    route = "active_storage/disk#update"
    secret_file = "config/secrets-staging.yml.enc"
    password_confirmation = params.require(:password_confirmation)
  end
end
