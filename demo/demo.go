// Package demo loads "Comune di Demo": the resource tree of the manual of the
// system Prenota replaces, with realistic schedules, so that a newcomer can
// try every screen.
package demo

import (
	"context"
	"time"

	"github.com/prenota/prenota/booking"
)

// Settings are the demo Comune's settings.
var Settings = booking.Settings{
	Name:     "Comune di Demo",
	Province: "Provincia di Demo",
	Welcome: "Benvenuti nel servizio di prenotazione online del comune di DEMO\n\n" +
		"Come fare una prenotazione:\n" +
		"1. Verifica la sede degli uffici in base al servizio d'interesse;\n" +
		"2. Seleziona servizio, giorno e ora e compila i campi richiesti;\n" +
		"3. Controlla la tua casella email: stampa o prendi nota dei dati dell'appuntamento (data, ora e codice di prenotazione).\n\n" +
		"Il giorno dell'appuntamento:\n" +
		"1. In caso di appuntamento in presenza porta con te i dati della prenotazione e l'eventuale documentazione occorrente;\n" +
		"2. In caso di appuntamento telefonico sarà specificato nel corso della prenotazione e nella mail di conferma se occorre chiamare un numero indicato oppure se serve richiamare il numero da voi indicato.",
	Phone:       "0541 356111",
	Email:       "urp@comune.demo.it",
	Address:     "Piazza Ganganelli 1, 47822 Santarcangelo di Romagna (RN)",
	NoReply:     "noreply@comune.demo.it",
	PrivacyURL:  "/privacy",
	A11yURL:     "/accessibilita",
	PatronMonth: time.September,
	PatronDay:   29,
	PatronName:  "San Michele Arcangelo",
	Site:        site,
}

// Load stores the demo Comune into an empty database; a database that
// already has resources is left as it is.
func Load(ctx context.Context, svc *booking.Service) error {
	existing, err := svc.Store().Resources(ctx)
	if err != nil || len(existing) > 0 {
		return err
	}
	if err := svc.SaveSettings(ctx, Settings); err != nil {
		return err
	}
	for i, n := range tree() {
		if err := create(ctx, svc, 0, i, n); err != nil {
			return err
		}
	}
	return nil
}

type node struct {
	booking.Resource
	children []node
}

func create(ctx context.Context, svc *booking.Service, parent int64, pos int, n node) error {
	r := n.Resource
	r.ParentID, r.Position = parent, pos
	if r.Kind == "" {
		r.Kind = booking.InPerson
	}
	if r.Bookable {
		r.Sheet = sheets[r.Name]
	}
	if err := svc.CreateResource(ctx, &r); err != nil {
		return err
	}
	for i, c := range n.children {
		if err := create(ctx, svc, r.ID, i, c); err != nil {
			return err
		}
	}
	return nil
}

func group(name, description string, children ...node) node {
	return node{Resource: booking.Resource{Name: name, Description: description}, children: children}
}

func f(v float64) *float64 { return &v }

// hours returns the same ranges on each of days.
func hours(days []time.Weekday, ranges ...[2]string) []booking.OpeningRange {
	var out []booking.OpeningRange
	for _, d := range days {
		for _, r := range ranges {
			s, _ := booking.ParseClock(r[0])
			e, _ := booking.ParseClock(r[1])
			out = append(out, booking.OpeningRange{Weekday: d, Start: s, End: e})
		}
	}
	return out
}

var (
	monSat   = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
	monFri   = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	thursday = []time.Weekday{time.Thursday}
	morning  = [2]string{"08:30", "12:30"}
)

const (
	municipio   = "Piazza Ganganelli 1, Santarcangelo di Romagna RN"
	demografici = "Corso Matteotti 8, Santarcangelo di Romagna RN"
	docsCIE     = "PER TUTTI:\n" +
		"1) la carta d'identità scaduta o in scadenza, oppure la denuncia di furto o smarrimento;\n" +
		"2) una fototessera recente, su sfondo chiaro;\n" +
		"3) la tessera sanitaria (codice fiscale).\n" +
		"PER I MINORI: la presenza di entrambi i genitori, o l'assenso scritto del genitore assente."
	docsResidenza = "PER TUTTI:\n" +
		"1) DICHIARAZIONE DI RESIDENZA - allegato 1 pubblicato sul sito internet dei Servizi Demografici.\n" +
		"Il modulo, compilato in ogni sua parte deve essere firmato (in originale) da tutti i componenti maggiorenni e può essere presentato anche da uno solo dei componenti."
)

func tree() []node {
	demoLat, demoLon := f(44.0630), f(12.4468)
	sportello := func(name, desc string) node {
		return node{Resource: booking.Resource{Name: name, Bookable: true, Description: desc, Office: "SERVIZIO DEMOGRAFICI",
			Address: demografici, Latitude: f(44.0647), Longitude: f(12.4461), Phone: "0541 356211", Email: "demografici@comune.demo.it",
			Documents: docsResidenza,
			Schedule:  booking.Schedule{SlotMinutes: 15, Capacity: 1, MaxSlots: 2, Hours: hours(monFri, morning), DaysAhead: 60, MinNoticeMinutes: 60}}}
	}
	sala := func(name, desc string, capacity, minutes int, start, end string) node {
		return node{Resource: booking.Resource{Name: name, Bookable: true, Description: desc, Office: "SERVIZIO PATRIMONIO",
			Address: municipio, Latitude: demoLat, Longitude: demoLon, Phone: "0541 356111", Email: "patrimonio@comune.demo.it",
			Schedule: booking.Schedule{SlotMinutes: minutes, Capacity: capacity, MaxSlots: 4, Hours: hours(monSat, [2]string{start, end}), DaysAhead: 90}}}
	}
	return []node{
		group("Amministrazione Comunale", "Incontri con gli amministratori del Comune.",
			node{Resource: booking.Resource{Name: "Ricevimento del Sindaco", Bookable: true, Office: "SEGRETERIA DEL SINDACO",
				Description: "Incontro con il Sindaco, su appuntamento, il martedì pomeriggio.", Address: municipio, Latitude: demoLat, Longitude: demoLon,
				Phone: "0541 356100", Email: "sindaco@comune.demo.it",
				Schedule:    booking.Schedule{SlotMinutes: 20, Capacity: 1, MaxSlots: 1, Hours: hours([]time.Weekday{time.Tuesday}, [2]string{"15:00", "18:00"}), DaysAhead: 30, MinNoticeMinutes: 24 * 60},
				ExtraFields: []booking.ExtraField{{Name: "argomento", Label: "Argomento dell'incontro", Type: "text", Required: true}}}},
			node{Resource: booking.Resource{Name: "Ufficio Protocollo", Bookable: true, Office: "SERVIZIO AFFARI GENERALI",
				Description: "Consegna di documenti e istanze al protocollo generale.", Address: municipio, Latitude: demoLat, Longitude: demoLon,
				Phone: "0541 356120", Email: "protocollo@comune.demo.it",
				Schedule: booking.Schedule{SlotMinutes: 15, Capacity: 2, MaxSlots: 2, Hours: hours(monFri, [2]string{"09:00", "12:00"}), DaysAhead: 30}}},
		),
		{Resource: booking.Resource{Name: "Biblioteca Comunale", Bookable: true, Office: "SERVIZI CULTURALI",
			Description: "Consulenza bibliografica e consultazione dei fondi antichi, su appuntamento.", Address: "Via Pascoli 3, Santarcangelo di Romagna RN",
			Latitude: f(44.0622), Longitude: f(12.4449), Phone: "0541 356300", Email: "biblioteca@comune.demo.it",
			Schedule: booking.Schedule{SlotMinutes: 30, Capacity: 2, MaxSlots: 2, Hours: hours(monSat, [2]string{"09:00", "13:00"}, [2]string{"15:00", "18:00"}), DaysAhead: 30}}},
		group("PALESTRE COMUNALI", "Uso delle palestre comunali per associazioni e gruppi.",
			node{Resource: booking.Resource{Name: "Palestra Scuola Media", Bookable: true, Office: "SERVIZIO SPORT",
				Description: "Palestra della scuola media, per attività sportive di gruppo in orario serale.", Address: "Via Orsini 12, Santarcangelo di Romagna RN",
				Latitude: f(44.0601), Longitude: f(12.4502), Phone: "0541 356400", Email: "sport@comune.demo.it",
				Schedule: booking.Schedule{SlotMinutes: 60, Capacity: 1, MaxSlots: 3, Hours: hours(monFri, [2]string{"18:00", "23:00"}), DaysAhead: 60},
				ExtraFields: []booking.ExtraField{
					{Name: "associazione", Label: "Associazione o gruppo", Type: "text", Required: true},
					{Name: "disciplina", Label: "Disciplina", Type: "choice", Required: true, Options: []string{"Pallavolo", "Pallacanestro", "Ginnastica", "Altro"}},
				}}},
		),
		group("Pratiche Online", "Assistenza alla presentazione delle pratiche sullo sportello telematico.",
			node{Resource: booking.Resource{Name: "Assistenza SUAP", Bookable: true, Kind: booking.ByPhone, PhoneMode: booking.OfficeCalls, Office: "SPORTELLO UNICO ATTIVITÀ PRODUTTIVE",
				Description: "Un operatore la richiama al numero indicato per assisterla nella pratica SUAP.", Phone: "0541 356500", Email: "suap@comune.demo.it",
				Schedule: booking.Schedule{SlotMinutes: 30, Capacity: 1, MaxSlots: 2, Hours: hours([]time.Weekday{time.Monday, time.Wednesday, time.Friday}, [2]string{"09:00", "12:00"}), DaysAhead: 30}}},
			node{Resource: booking.Resource{Name: "Assistenza SUE", Bookable: true, Kind: booking.ByPhone, PhoneMode: booking.CitizenCalls, PhoneNumber: "0541 356510", Office: "SPORTELLO UNICO EDILIZIA",
				Description: "All'ora dell'appuntamento chiami il numero indicato: un tecnico la assiste nella pratica edilizia.", Phone: "0541 356510", Email: "sue@comune.demo.it",
				Schedule: booking.Schedule{SlotMinutes: 30, Capacity: 1, MaxSlots: 2, Hours: hours([]time.Weekday{time.Tuesday, time.Thursday}, [2]string{"09:00", "12:00"}), DaysAhead: 30}}},
		),
		group("SALE COMUNALI", "Sale del Comune per riunioni, conferenze e studio.",
			sala("SALA CONFERENZE", "Sala per conferenze e incontri pubblici, 99 posti, impianto audio e proiettore.", 1, 80, "08:00", "17:20"),
			sala("SALA N° 1 - piano 1°", "Disponibilità di 50 posti: tavoli da studio permanenti, disponibile solo presso il municipio. Si prenota il singolo posto, un'ora alla volta.", 50, 60, "08:00", "19:00"),
			sala("SALA N° 2 - piano 1°", "Sala riunioni per 20 persone.", 1, 60, "08:00", "19:00"),
			sala("SALA piano terra", "Sala polivalente al piano terra, accessibile senza barriere architettoniche.", 1, 60, "08:00", "19:00"),
		),
		{Resource: booking.Resource{Name: "Sportello Prenotazioni Pratiche Estere", Bookable: true, Office: "SERVIZIO DEMOGRAFICI",
			Description: "Pratiche per cittadini stranieri e iscrizioni AIRE. Le disponibilità del mese successivo si aprono il giorno 1 di ogni mese alle 08:00.",
			Address:     demografici, Latitude: f(44.0647), Longitude: f(12.4461), Phone: "0541 356220", Email: "estero@comune.demo.it",
			Documents: "Passaporto o documento di riconoscimento valido; permesso di soggiorno o ricevuta della richiesta.",
			Schedule:  booking.Schedule{SlotMinutes: 30, Capacity: 1, MaxSlots: 2, Hours: hours([]time.Weekday{time.Tuesday, time.Thursday}, [2]string{"09:00", "12:00"}), OpenDay: 1, OpenTime: 8 * 60}}},
		group("Uffici Demografici", "Anagrafe, stato civile e carte d'identità.",
			node{Resource: booking.Resource{Name: "Carte d'Identità Elettronica", Bookable: true, Office: "SERVIZIO DEMOGRAFICI",
				Description: "Rilascio della Carta d'Identità Elettronica (CIE). Presentarsi con 5 minuti di anticipo.", Address: demografici,
				Latitude: f(44.0647), Longitude: f(12.4461), Phone: "0541 356211", Email: "demografici@comune.demo.it", Documents: docsCIE,
				Schedule: booking.Schedule{SlotMinutes: 20, Capacity: 1, MaxSlots: 2,
					Hours: append(hours(monSat, [2]string{"08:00", "12:40"}), hours(thursday, [2]string{"14:00", "17:00"})...), DaysAhead: 60, MinNoticeMinutes: 60}}},
			sportello("Sportello 2", "Certificati, cambi di residenza e autentiche."),
			sportello("Sportello 3", "Stato civile: pubblicazioni di matrimonio, atti di nascita e di morte."),
		),
		{Resource: booking.Resource{Name: "Ufficio Tributi", Bookable: true, Kind: booking.ByPhone, PhoneMode: booking.OfficeCalls, Office: "SERVIZIO TRIBUTI",
			Description: "Appuntamento telefonico per IMU, TARI e altri tributi comunali: un operatore la richiama al numero indicato.",
			Phone:       "0541 356600", Email: "tributi@comune.demo.it",
			Schedule: booking.Schedule{SlotMinutes: 20, Capacity: 2, MaxSlots: 1, Hours: hours(monFri, [2]string{"09:00", "12:00"}), DaysAhead: 30}}},
		group("Polizia Locale", "Comando di Polizia Locale.",
			node{Resource: booking.Resource{Name: "Ufficio Verbali", Bookable: true, Office: "POLIZIA LOCALE",
				Description: "Informazioni su verbali e ricorsi.", Address: "Via Ugo Bassi 2, Santarcangelo di Romagna RN",
				Latitude: f(44.0611), Longitude: f(12.4420), Phone: "0541 356700", Email: "polizialocale@comune.demo.it",
				Schedule: booking.Schedule{SlotMinutes: 15, Capacity: 1, MaxSlots: 2, Hours: hours(monSat, [2]string{"09:00", "12:00"}), DaysAhead: 30}}},
			node{Resource: booking.Resource{Name: "Permessi ZTL", Bookable: true, Office: "POLIZIA LOCALE",
				Description: "Rilascio e rinnovo dei permessi di accesso alla zona a traffico limitato.", Address: "Via Ugo Bassi 2, Santarcangelo di Romagna RN",
				Latitude: f(44.0611), Longitude: f(12.4420), Phone: "0541 356710", Email: "ztl@comune.demo.it",
				Documents: "Libretto di circolazione del veicolo; documento d'identità.",
				Schedule:  booking.Schedule{SlotMinutes: 15, Capacity: 1, MaxSlots: 1, Hours: hours([]time.Weekday{time.Wednesday, time.Friday}, [2]string{"09:00", "12:00"}), DaysAhead: 30}}},
		),
	}
}
