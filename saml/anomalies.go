package saml

import (
	"html/template"
	"net/http"
	"regexp"
	"strings"
)

// anomaly is what the citizen is told when the identity provider answers
// with an error: the codes of the anomaly table of the SPID technical
// rules, carried in the StatusMessage as "ErrorCode nrNN".
type anomaly struct {
	Code, Title, What, Todo string
}

var anomalies = map[string]anomaly{
	"nr19": {"nr19", "Troppi tentativi con credenziali errate",
		"Il gestore dell'identità ha interrotto l'accesso perché le credenziali sono state inserite in modo errato troppe volte.",
		"Attenda qualche minuto e riprovi. Se non ricorda la password, la recuperi sul sito del suo gestore dell'identità."},
	"nr20": {"nr20", "Credenziali non adatte al servizio",
		"La sua identità digitale non ha credenziali del livello di sicurezza che questo servizio richiede (ad esempio il secondo fattore: app o codice via SMS).",
		"Attivi le credenziali di livello 2 presso il suo gestore dell'identità, poi ripeta l'accesso."},
	"nr21": {"nr21", "Tempo scaduto",
		"L'accesso non è stato completato in tempo presso il gestore dell'identità.",
		"Ripeta l'accesso dalla pagina del servizio, senza lasciare a metà la procedura del gestore."},
	"nr22": {"nr22", "Consenso negato",
		"Ha scelto di non inviare i suoi dati a questo servizio: senza di essi non è possibile prenotare a suo nome.",
		"Se ha cambiato idea, ripeta l'accesso e dia il consenso all'invio dei dati."},
	"nr23": {"nr23", "Identità sospesa o revocata",
		"Il gestore dell'identità segnala che la sua identità digitale è sospesa o revocata, o che le sue credenziali sono bloccate.",
		"Contatti il suo gestore dell'identità per riattivarla. Nel frattempo può accedere con un altro sistema, se ne ha uno."},
	"nr25": {"nr25", "Accesso annullato",
		"Ha annullato l'accesso presso il gestore dell'identità.",
		"Quando vuole, può ripetere l'accesso dalla pagina del servizio."},
}

// otherAnomaly is any other error answer of the IdP.
var otherAnomaly = anomaly{"", "Accesso non completato",
	"L'accesso non è stato completato presso il gestore dell'identità (annullato o non riuscito).",
	"Ripeta l'accesso dalla pagina del servizio. Se il problema continua, contatti il suo gestore dell'identità."}

var anomalyCode = regexp.MustCompile(`(?i)\bErrorCode\s+(nr\d+)\b`)

// anomalyOf returns the anomaly of a StatusMessage; ok is false for a
// message without a known code.
func anomalyOf(statusMessage string) (anomaly, bool) {
	m := anomalyCode.FindStringSubmatch(statusMessage)
	if m == nil {
		return anomaly{}, false
	}
	a, ok := anomalies[strings.ToLower(m[1])]
	return a, ok
}

var anomalyPage = template.Must(template.New("anomaly").Parse(`<div class="alert alert-warning" role="alert"{{with .A.Code}} data-anomalia="{{.}}"{{end}}>
<p class="mb-2">{{.A.What}}</p>
<p class="mb-0"><strong>Cosa fare:</strong> {{.A.Todo}}</p>
</div>
<p><a class="btn btn-primary" href="/accedi">Torna alla pagina di accesso</a></p>
{{with .A.Code}}<p class="small text-muted">Codice dell'anomalia comunicato dal gestore: {{.}}</p>{{end}}`))

// showAnomaly answers the page of anomaly a (401: the login did not
// happen).
func (p *Provider) showAnomaly(w http.ResponseWriter, r *http.Request, a anomaly) {
	var b strings.Builder
	anomalyPage.Execute(&b, struct{ A anomaly }{a})
	p.cfg.Accounts.Page(w, r, http.StatusUnauthorized, a.Title, template.HTML(b.String()))
}
