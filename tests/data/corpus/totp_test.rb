require 'rotp'

RSpec.describe 'two-factor login' do
  let(:totp) { ROTP::TOTP.new('TOR56OQH6EAOTQUV', issuer: 'Acme') }
  let(:hotp) { ROTP::HOTP.new 'YNLBPOCEPSZDXBWIXMY4ELLU5AWTNNCA' }
  let(:user_totp) { ROTP::TOTP.new(user.otp_secret, issuer: 'Acme') }
  let(:env_totp) { ROTP::TOTP.new(ENV.fetch('TOTP_SECRET')) }
  let(:blank_totp) { ROTP::TOTP.new('XXXXXXXXXXXXXXXX') }
  let(:fresh_totp) { ROTP::TOTP.new(ROTP::Base32.random) }

  it 'accepts the current code' do
    expect(totp.verify(totp.now)).to be_truthy
  end
end
