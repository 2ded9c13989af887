package saml_test

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// validateXSD validates the XML file against the SAML 2.0 metadata schema
// with xmllint (Debian libxml2-utils), offline: testdata/xsd holds the
// OASIS and W3C schemas and a catalog for their imports.
func validateXSD(t *testing.T, file string) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint not found: install Debian's libxml2-utils (.ci/run does)")
	}
	xsd, _ := filepath.Abs("testdata/xsd/saml-schema-metadata-2.0.xsd")
	catalog, _ := filepath.Abs("testdata/xsd/catalog.xml")
	cmd := exec.Command(xmllint, "--noout", "--nonet", "--schema", xsd, file)
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+catalog)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "validates") {
		t.Errorf("%s does not validate against the SAML metadata schema: %v\n%s", filepath.Base(file), err, out)
	}
}

// extensions returns the ContactPerson of contactType and its Extensions'
// children by local name, checking that they are in namespace ns.
func extensions(t *testing.T, ed *etree.Element, contactType, ns string) (*etree.Element, map[string]string) {
	t.Helper()
	for _, cp := range ed.SelectElements("ContactPerson") {
		if cp.SelectAttrValue("contactType", "") != contactType {
			continue
		}
		got := map[string]string{}
		for _, x := range child(t, cp, "Extensions").ChildElements() {
			if x.NamespaceURI() != ns {
				t.Errorf("extension <%s:%s> in namespace %q, want %q", x.Space, x.Tag, x.NamespaceURI(), ns)
			}
			got[x.Tag] = x.Text()
		}
		return cp, got
	}
	t.Fatalf("no ContactPerson contactType=%q", contactType)
	return nil, nil
}

// TestMetadataProfiles: the SPID and CIE metadata validate against the SAML
// metadata XSD and carry each federation's ContactPerson extensions and
// requested attributes.
func TestMetadataProfiles(t *testing.T) {
	for _, name := range []string{"spid", "cie"} {
		t.Run(name, func(t *testing.T) {
			e := newSPEnv(t, "sqlite", name, nil)
			res, err := http.Get(e.srv.URL + "/auth/" + name + "/metadata")
			if err != nil {
				t.Fatal(err)
			}
			md, _ := io.ReadAll(res.Body)
			res.Body.Close()
			file := filepath.Join(t.TempDir(), "metadata-"+name+".xml")
			if err := os.WriteFile(file, md, 0o600); err != nil {
				t.Fatal(err)
			}
			validateXSD(t, file)
			doc := etree.NewDocument()
			if err := doc.ReadFromBytes(md); err != nil {
				t.Fatal(err)
			}
			ed := doc.Root()
			var attrs []string
			for _, ra := range ed.FindElements("./SPSSODescriptor/AttributeConsumingService/RequestedAttribute") {
				attrs = append(attrs, ra.SelectAttrValue("Name", ""))
			}
			switch name {
			case "spid":
				cp, ext := extensions(t, ed, "other", "https://spid.gov.it/saml-extensions")
				if ext["IPACode"] != "c_h294" {
					t.Errorf("spid:IPACode %q", ext["IPACode"])
				}
				if _, ok := ext["Public"]; !ok {
					t.Error("no spid:Public")
				}
				if child(t, cp, "EmailAddress").Text() != "protocollo@comune.example.it" {
					t.Error("ContactPerson without the ente's email")
				}
				if strings.Join(attrs, ",") != "fiscalNumber,name,familyName,dateOfBirth,placeOfBirth,gender,email,mobilePhone" {
					t.Errorf("SPID attributes %v", attrs)
				}
			case "cie":
				cp, ext := extensions(t, ed, "administrative", "https://www.cartaidentita.interno.gov.it/saml-extensions")
				want := map[string]string{"Public": "", "IPACode": "c_h294", "Municipality": "H294", "Province": "RN", "Country": "IT"}
				for k, v := range want {
					if got, ok := ext[k]; !ok || got != v {
						t.Errorf("cie:%s = %q (present %v), want %q", k, got, ok, v)
					}
				}
				if child(t, cp, "Company").Text() != "Comune di Prova" || child(t, cp, "EmailAddress").Text() != "protocollo@comune.example.it" {
					t.Error("CIE ContactPerson without Company or EmailAddress")
				}
				if len(ed.FindElements("./ContactPerson[@contactType='other']")) != 0 {
					t.Error("the CIE metadata carries the SPID ContactPerson")
				}
				if strings.Join(attrs, ",") != "fiscalNumber,name,familyName,dateOfBirth" {
					t.Errorf("CIE attributes %v, want only those CIE releases", attrs)
				}
			}
		})
	}
}
