package auth

import "testing"

var userSeed = []byte("SUACOXWV3XWURV2ZWDA6KIFNDY5ZILMANM5WEUKU3F6VUCCUY6DIU5AIKY")

const accountSeed = "SAAO3BXPVRPXRDFSOTW4XPOWL7WJDBFC6B4INUG6PQU6NCV3TWKBAS437Q"

// Operator: SOAOTFBJUMIHTA5XJZHY3JARDRW7DXIERXUR6N3BHA6BOCAENLZZEP6XLU

// A seed whose checksum is wrong must be refused.
var corrupted = "SUAHAWQ3JGK2ETWZNX2FVGHRUXCNWUAY67JM6LXBQEVUMFXMKWXTW3AQB4"

// Public keys are not secrets.
const userPublic = "UCK5N7N66OBOINFXAYC2ACJQYFSOD4VYNU6APEJTAVFZB2SVHLKGEW7L"

var description = "SUAVE SAAS SOAK: usual visual space scan snap soap"

func TestSeeds(t *testing.T) {
	if len(userSeed) != 58 {
		t.Fatal("seed length")
	}
}
