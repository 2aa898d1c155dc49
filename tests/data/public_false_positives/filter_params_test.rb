# What a log filter writes in place of a password.
    assert_equal({ "login" => "bob", "password" => "[FILTERED]" }, filtered)
