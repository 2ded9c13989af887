package saml

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/beevik/etree"
	gosaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"

	"github.com/prenota/prenota/places"
)

// LoadIdPMetadata reads identity provider metadata from paths: files, or
// directories whose *.xml files are read. Each file may hold one
// EntityDescriptor or an EntitiesDescriptor aggregate (like the SPID
// registry's); every entity with an IDPSSODescriptor is returned, sorted by
// name. The metadata must come from a trusted source (its signature is not
// checked here).
func LoadIdPMetadata(paths []string) ([]*gosaml.EntityDescriptor, error) {
	var files []string
	for _, p := range paths {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		m, err := filepath.Glob(filepath.Join(p, "*.xml"))
		if err != nil {
			return nil, err
		}
		sort.Strings(m)
		files = append(files, m...)
	}
	var out []*gosaml.EntityDescriptor
	seen := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		ids, err := idpEntityIDs(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			ed, err := samlsp.ParseMetadataByEntityID(data, id)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			seen[id] = true
			out = append(out, ed)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return idpName(out[i]) < idpName(out[j]) })
	return out, nil
}

// idpEntityIDs lists the entity IDs of the IdPs in a metadata document.
func idpEntityIDs(data []byte) ([]string, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, err
	}
	root := doc.Root()
	if root == nil {
		return nil, fmt.Errorf("empty metadata")
	}
	var ids []string
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		switch el.Tag {
		case "EntityDescriptor":
			if len(el.SelectElements("IDPSSODescriptor")) > 0 {
				ids = append(ids, el.SelectAttrValue("entityID", ""))
			}
		case "EntitiesDescriptor":
			for _, c := range el.ChildElements() {
				walk(c)
			}
		}
	}
	walk(root)
	if len(ids) == 0 {
		return nil, fmt.Errorf("no IDPSSODescriptor in the metadata")
	}
	return ids, nil
}

// idpName is the IdP's display name (Italian if given), else its entity ID.
func idpName(ed *gosaml.EntityDescriptor) string {
	if o := ed.Organization; o != nil {
		for _, names := range [][]gosaml.LocalizedName{o.OrganizationDisplayNames, o.OrganizationNames} {
			for _, n := range names {
				if n.Lang == "it" && n.Value != "" {
					return n.Value
				}
			}
			for _, n := range names {
				if n.Value != "" {
					return n.Value
				}
			}
		}
	}
	return ed.EntityID
}

// The attributes Prenota asks for in the AttributeConsumingService of the
// SP metadata: of SPID's (AgID, "Tabella attributi SPID") those the
// anagrafica needs; of CIE's, the ones CIE releases.
var (
	spidAttributes = []string{"fiscalNumber", "name", "familyName", "dateOfBirth", "placeOfBirth", "gender", "email", "mobilePhone"}
	cieAttributes  = []string{"fiscalNumber", "name", "familyName", "dateOfBirth"}
)

// The namespaces of the ContactPerson extensions.
const (
	nsSPIDExtensions = "https://spid.gov.it/saml-extensions"
	nsCIEExtensions  = "https://www.cartaidentita.interno.gov.it/saml-extensions"
)

func (p *Provider) isCIE() bool { return p.cfg.Name == "cie" }

const attrNameFormatBasic = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"

// metadata builds the SP metadata per the SPID rules: signed requests and
// assertions, one default HTTP-POST AssertionConsumerService of index 0,
// transient NameIDs, the AttributeConsumingService of index 0, the
// Organization and, with an IPA code, the public-sector ContactPerson.
func (p *Provider) metadata() *gosaml.EntityDescriptor {
	ed := p.sp(nil).Metadata()
	ed.ID = "_" + strings.ReplaceAll(p.cfg.Name+"-"+p.certID, ":", "")
	t := true
	sd := &ed.SPSSODescriptors[0]
	sd.AssertionConsumerServices = []gosaml.IndexedEndpoint{{Binding: gosaml.HTTPPostBinding, Location: p.acsURL.String(), Index: 0, IsDefault: &t}}
	attrs := spidAttributes
	if p.isCIE() {
		attrs = cieAttributes
	}
	var ras []gosaml.RequestedAttribute
	for _, a := range attrs {
		ras = append(ras, gosaml.RequestedAttribute{Attribute: gosaml.Attribute{Name: a, NameFormat: attrNameFormatBasic}})
	}
	sd.AttributeConsumingServices = []gosaml.AttributeConsumingService{{
		Index:               0,
		ServiceNames:        []gosaml.LocalizedName{{Lang: "it", Value: "Prenotazioni Online"}},
		ServiceDescriptions: []gosaml.LocalizedName{{Lang: "it", Value: "Prenotazione di appuntamenti presso gli uffici del " + p.cfg.Organization}},
		RequestedAttributes: ras,
	}}
	// Only a signing key: SPID assertions are not encrypted.
	var kds []gosaml.KeyDescriptor
	for _, kd := range sd.KeyDescriptors {
		if kd.Use == "signing" {
			kds = append(kds, kd)
		}
	}
	sd.KeyDescriptors = kds
	org := p.cfg.Organization
	ed.Organization = &gosaml.Organization{
		OrganizationNames:        []gosaml.LocalizedName{{Lang: "it", Value: org}},
		OrganizationDisplayNames: []gosaml.LocalizedName{{Lang: "it", Value: org}},
		OrganizationURLs:         []gosaml.LocalizedURI{{Lang: "it", Value: p.cfg.BaseURL + "/"}},
	}
	return ed
}

// spidContact adds the ContactPerson of a public body with the SPID
// extensions (Avviso SPID n. 29 v3): contactType "other", spid:IPACode,
// spid:Public, the email.
func (p *Provider) spidContact(root *etree.Element) {
	root.CreateAttr("xmlns:spid", nsSPIDExtensions)
	cp := root.CreateElement("ContactPerson")
	cp.CreateAttr("contactType", "other")
	ext := cp.CreateElement("Extensions")
	if p.cfg.IPACode != "" {
		ext.CreateElement("spid:IPACode").SetText(p.cfg.IPACode)
	}
	ext.CreateElement("spid:Public")
	if p.cfg.ContactEmail != "" {
		cp.CreateElement("EmailAddress").SetText(p.cfg.ContactEmail)
	}
}

// cieContact adds the ContactPerson of a public body with the CIE
// extensions (CIE's technical manual for service providers): contactType
// "administrative", cie:Public, cie:IPACode, cie:Municipality (the
// Belfiore code of the seat), cie:Province, cie:Country, then md:Company
// and the email.
func (p *Provider) cieContact(root *etree.Element) {
	root.CreateAttr("xmlns:cie", nsCIEExtensions)
	cp := root.CreateElement("ContactPerson")
	cp.CreateAttr("contactType", "administrative")
	ext := cp.CreateElement("Extensions")
	ext.CreateElement("cie:Public")
	if p.cfg.IPACode != "" {
		ext.CreateElement("cie:IPACode").SetText(p.cfg.IPACode)
	}
	if m := strings.ToUpper(p.cfg.Municipality); m != "" {
		ext.CreateElement("cie:Municipality").SetText(m)
		if c, ok := places.ComuneByBelfiore(m); ok && c.Province != "" {
			ext.CreateElement("cie:Province").SetText(c.Province)
		}
	}
	ext.CreateElement("cie:Country").SetText("IT")
	cp.CreateElement("Company").SetText(p.cfg.Organization)
	if p.cfg.ContactEmail != "" {
		cp.CreateElement("EmailAddress").SetText(p.cfg.ContactEmail)
	}
}

// signedMetadata returns the metadata XML with an enveloped RSA-SHA256
// signature as the first child of the EntityDescriptor.
func (p *Provider) signedMetadata() ([]byte, error) {
	ed := p.metadata()
	buf, err := xml.Marshal(ed)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(buf); err != nil {
		return nil, err
	}
	root := doc.Root()
	// md:ContactPerson goes after md:Organization, which closes the
	// EntityDescriptor.
	if p.isCIE() {
		p.cieContact(root)
	} else if p.cfg.IPACode != "" || p.cfg.ContactEmail != "" {
		p.spidContact(root)
	}
	ctx, err := gosaml.GetSigningContext(p.sp(nil))
	if err != nil {
		return nil, err
	}
	sig, err := ctx.ConstructSignature(root, true)
	if err != nil {
		return nil, err
	}
	root.InsertChildAt(0, sig)
	out := etree.NewDocument()
	out.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	out.SetRoot(root)
	return out.WriteToBytes()
}

// Metadata is the SP's metadata (unsigned), for an IdP that is given it
// directly (the demo's).
func (p *Provider) Metadata() *gosaml.EntityDescriptor { return p.metadata() }
