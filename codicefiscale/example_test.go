package codicefiscale_test

import (
	"fmt"
	"time"

	"github.com/prenota/prenota/codicefiscale"
	"github.com/prenota/prenota/places"
)

// The fictitious identities used by the demo identity provider; their codes
// are valid and agree with their data.
func ExampleCompute() {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, p := range []codicefiscale.Person{
		{Nome: "Mario", Cognome: "Rossi", DataNascita: day(1970, 1, 1), Sesso: "M", Belfiore: "H501"},       // Roma (RM)
		{Nome: "Giulia", Cognome: "Bianchi", DataNascita: day(1985, 8, 15), Sesso: "F", Belfiore: "I304"},   // Santarcangelo di Romagna (RN)
		{Nome: "Luca", Cognome: "Ferrari", DataNascita: day(1992, 2, 29), Sesso: "M", Belfiore: "Z112"},     // Germania
		{Nome: "Niccolò", Cognome: "D'Amico", DataNascita: day(2001, 11, 30), Sesso: "M", Belfiore: "D612"}, // Firenze (FI)
	} {
		cf, err := codicefiscale.Compute(p)
		if err != nil {
			fmt.Println(err)
			continue
		}
		place := ""
		if c, ok := places.ComuneByBelfiore(p.Belfiore); ok {
			place = c.Name + " (" + c.Province + ")"
		} else if c, ok := places.CountryByBelfiore(p.Belfiore); ok {
			place = c.Name
		}
		fmt.Println(cf, p.Nome, p.Cognome, p.DataNascita.Format("02/01/2006"), p.Sesso, place)
	}
	// Output:
	// RSSMRA70A01H501S Mario Rossi 01/01/1970 M ROMA (RM)
	// BNCGLI85M55I304Q Giulia Bianchi 15/08/1985 F SANTARCANGELO DI ROMAGNA (RN)
	// FRRLCU92B29Z112V Luca Ferrari 29/02/1992 M GERMANIA
	// DMCNCL01S30D612R Niccolò D'Amico 30/11/2001 M FIRENZE (FI)
}

func ExampleCheck() {
	p := codicefiscale.Person{
		Nome: "Mario", Cognome: "Bianchi", Sesso: "M", Belfiore: "H501",
		DataNascita: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for _, e := range codicefiscale.Check("RSSMRA70A01H501S", p) {
		fmt.Printf("%s: %s\n", e.Field, e.Message)
	}
	// Output:
	// cognome: Il cognome non corrisponde al codice fiscale: controlli il cognome o il codice fiscale
}
