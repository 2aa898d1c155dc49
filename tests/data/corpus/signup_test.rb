class SignupTest < ActionDispatch::IntegrationTest
  test "a member signs up" do
    post users_path, params: { user: { email: "ada@example.com",
        password: "Wr3n-Harbour", password_confirmation: "Wr3n-Harbour" } }
    post users_path, params: { user: { password_confirmation: "Qu1llStand9" } }
    post users_path, params: { user: { password_confirmation: params[:password] } }
    post users_path, params: { user: { password_confirmation: "#{password}" } }
    assert_equal "is too short", errors[:password_confirmation].first
  end
end
