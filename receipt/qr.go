package receipt

import (
	"errors"

	qrcode "github.com/skip2/go-qrcode"
)

// QR returns a PNG QR code, size pixels square, that encodes exactly code.
// Medium error correction (15%) survives a creased or smudged printout while
// keeping the modules large. A negative size makes each module -size pixels
// instead, the sharpest choice for embedding. It fails on an empty code.
func QR(code string, size int) ([]byte, error) {
	if code == "" {
		return nil, errors.New("receipt: empty booking code")
	}
	return qrcode.Encode(code, qrcode.Medium, size)
}
