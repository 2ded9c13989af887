package app

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"

	gosaml "github.com/crewjam/saml"

	"github.com/prenota/prenota/demo"
	"github.com/prenota/prenota/saml"
	"github.com/prenota/prenota/saml/demoidp"
)

// setupSAML builds the SPID and CIE service providers from the IdP
// metadata configured and, in demo mode, the demo IdPs, and mounts them.
func (a *App) setupSAML(id *Identity, mux *http.ServeMux) error {
	cfg, ic := a.cfg, a.cfg.Identity
	demoIdP := cfg.Demo && ic.DemoIdP && !ic.Production
	spid, cie := len(ic.SPIDMetadata) > 0 || demoIdP, len(ic.CIEMetadata) > 0 || demoIdP
	if !spid && !cie {
		return nil
	}
	org := ic.Organization
	if org == "" && cfg.Demo {
		org = demo.Settings.Name
	}
	if org == "" {
		org = "Comune"
	}
	if cfg.Demo {
		for _, err := range ic.agidProblems(spid, cie) {
			a.log.Warn("demo mode: " + err.Error() + "; AgID would refuse this metadata")
		}
	}
	keyFile, certFile := ic.SAMLKey, ic.SAMLCert
	if keyFile == "" {
		keyFile = filepath.Join("data", "saml.key")
	}
	if certFile == "" {
		certFile = filepath.Join("data", "saml.crt")
	}
	ipa := ic.IPACode
	if ipa == "" {
		ipa = "demo"
	}
	profile := saml.CertProfile{EntityID: strings.TrimSuffix(cfg.BaseURL, "/") + "/auth/spid/metadata", CommonName: org, IPACode: ipa,
		Locality: strings.TrimPrefix(org, "Comune di ")}
	key, cert, made, err := saml.LoadOrGenerate(keyFile, certFile, cfg.Demo && !ic.Production, profile)
	if err != nil {
		return err
	}
	if made {
		a.log.Warn("generated a self-signed SAML key pair (demo only)", "key", keyFile, "cert", certFile)
	}
	for _, f := range []struct {
		name, label, demoName string
		files                 []string
		on                    bool
		dst                   **saml.Provider
	}{
		{"spid", "Entra con SPID", "SPID di prova (Prenota)", ic.SPIDMetadata, spid, &id.SPID},
		{"cie", "Entra con CIE", "CIE di prova (Prenota)", ic.CIEMetadata, cie, &id.CIE},
	} {
		if !f.on {
			continue
		}
		var idps []*gosaml.EntityDescriptor
		if len(f.files) > 0 {
			if idps, err = saml.LoadIdPMetadata(f.files); err != nil {
				return fmt.Errorf("%s metadata: %w", f.name, err)
			}
		}
		// The demo IdP needs the SP's metadata and the SP the IdP's: the
		// IdP asks for the SP's when a request comes, after both exist.
		var p *saml.Provider
		if demoIdP {
			d, err := demoidp.New(demoidp.Config{Name: f.name, DisplayName: f.demoName, BaseURL: cfg.BaseURL, Logger: a.log,
				ServiceProvider: func() *gosaml.EntityDescriptor { return p.Metadata() }})
			if err != nil {
				return err
			}
			d.Register(mux)
			idps = append(idps, d.Metadata())
		}
		p, err = saml.New(saml.Config{Name: f.name, Label: f.label, BaseURL: cfg.BaseURL, Key: key, Cert: cert, IdPs: idps,
			Level: ic.SPIDLevel, Organization: org, IPACode: ic.IPACode, ContactEmail: ic.ContactEmail, Municipality: ic.Municipality,
			Store: a.Store, Accounts: id.Accounts, Logger: a.log})
		if err != nil {
			return err
		}
		p.Register(mux)
		id.acsBypass = append(id.acsBypass, p.BypassPatterns()...)
		*f.dst = p
	}
	return nil
}
