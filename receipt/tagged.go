package receipt

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/go-pdf/fpdf"
)

// This file makes the receipt a tagged PDF, so that screen readers read it
// in order (issue 13): fpdf has no tagging, so the drawing code marks its
// content (tagger, BDC … EMC with an MCID per page), and tag appends an
// incremental update to fpdf's output with the structure tree (a Document
// of headings, paragraphs and figures in reading order), the pages'
// /StructParents and the catalog's /MarkInfo.

// tagger records the marked-content sequences of a document being drawn.
type tagger struct {
	pdf    *fpdf.Fpdf
	elems  []elem      // in reading order
	next   map[int]int // the next MCID of each page
	open   *elem       // the sequence being drawn, nil when none
	reopen *elem       // one a page break interrupted
}

// elem is one structure element and the sequence it holds.
type elem struct {
	typ  string // P, H1, H2, Figure
	alt  string // a Figure's text alternative
	page int    // 1-based
	mcid int
}

// newTagger starts tagging pdf; it takes over its accept-page-break and
// header functions, so that a sequence a page break interrupts ends on its
// page and goes on, as a new element, on the next.
func newTagger(pdf *fpdf.Fpdf) *tagger {
	t := &tagger{pdf: pdf, next: map[int]int{}}
	pdf.SetAcceptPageBreakFunc(func() bool {
		if t.open != nil {
			e := *t.open
			t.end()
			t.reopen = &e
		}
		return true
	})
	pdf.SetHeaderFunc(func() {
		if e := t.reopen; e != nil {
			t.reopen = nil
			t.begin(e.typ, e.alt)
		}
	})
	return t
}

// begin opens a sequence of the element type typ (alt for a Figure).
func (t *tagger) begin(typ, alt string) {
	if t.open != nil {
		t.end()
	}
	page := t.pdf.PageNo()
	t.elems = append(t.elems, elem{typ: typ, alt: alt, page: page, mcid: t.next[page]})
	t.next[page]++
	t.open = &t.elems[len(t.elems)-1]
	t.pdf.RawWriteStr(fmt.Sprintf("/%s <</MCID %d>> BDC", typ, t.open.mcid))
}

// end closes the open sequence.
func (t *tagger) end() {
	if t.open == nil {
		return
	}
	t.pdf.RawWriteStr("EMC")
	t.open = nil
}

var (
	objRe      = regexp.MustCompile(`(?m)^(\d+) 0 obj\n`)
	rootRe     = regexp.MustCompile(`/Root (\d+) 0 R`)
	infoRe     = regexp.MustCompile(`/Info (\d+) 0 R`)
	sizeRe     = regexp.MustCompile(`/Size (\d+)`)
	startxrefR = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
)

// tag returns raw, a PDF fpdf wrote with the sequences of t, with an
// incremental update that adds the structure tree.
func (t *tagger) tag(raw []byte) ([]byte, error) {
	s := string(raw)
	bad := errors.New("receipt: tagging: unexpected PDF structure")
	root, info, size, prev := rootRe.FindStringSubmatch(s), infoRe.FindStringSubmatch(s), sizeRe.FindAllStringSubmatch(s, -1), startxrefR.FindStringSubmatch(s)
	if root == nil || size == nil || prev == nil {
		return nil, bad
	}
	// The objects' dictionaries: the pages in order, and the catalog.
	bodies := map[int]string{}
	var pages []int
	for _, m := range objRe.FindAllStringSubmatchIndex(s, -1) {
		n, _ := strconv.Atoi(s[m[2]:m[3]])
		end := strings.Index(s[m[1]:], "\nendobj")
		if end < 0 {
			return nil, bad
		}
		body := s[m[1] : m[1]+end]
		bodies[n] = body
		if strings.HasPrefix(body, "<</Type /Page\n") {
			pages = append(pages, n)
		}
	}
	catalog, _ := strconv.Atoi(root[1])
	next, _ := strconv.Atoi(size[len(size)-1][1])
	if len(pages) == 0 || !strings.HasSuffix(bodies[catalog], ">>") {
		return nil, bad
	}

	var out bytes.Buffer
	out.Write(raw)
	if !bytes.HasSuffix(raw, []byte("\n")) {
		out.WriteByte('\n')
	}
	offsets := map[int]int{}
	put := func(n int, body string) {
		offsets[n] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", n, body)
	}
	treeRoot, doc, parentTree := next, next+1, next+2
	first := next + 3 // the elements' objects
	kids := make([]string, len(t.elems))
	nums := make([][]string, len(pages))
	for i, e := range t.elems {
		if e.page < 1 || e.page > len(pages) {
			return nil, bad
		}
		n := first + i
		kids[i] = fmt.Sprintf("%d 0 R", n)
		for len(nums[e.page-1]) <= e.mcid {
			nums[e.page-1] = append(nums[e.page-1], "null")
		}
		nums[e.page-1][e.mcid] = kids[i]
		alt := ""
		if e.alt != "" {
			alt = " /Alt " + textString(e.alt)
		}
		put(n, fmt.Sprintf("<</Type /StructElem /S /%s /P %d 0 R /Pg %d 0 R /K %d%s>>", e.typ, doc, pages[e.page-1], e.mcid, alt))
	}
	put(treeRoot, fmt.Sprintf("<</Type /StructTreeRoot /K %d 0 R /ParentTree %d 0 R /ParentTreeNextKey %d>>", doc, parentTree, len(pages)))
	put(doc, fmt.Sprintf("<</Type /StructElem /S /Document /P %d 0 R /K [%s]>>", treeRoot, strings.Join(kids, " ")))
	var tree strings.Builder
	for i, ns := range nums {
		fmt.Fprintf(&tree, "%d [%s] ", i, strings.Join(ns, " "))
	}
	put(parentTree, "<</Nums ["+strings.TrimSpace(tree.String())+"]>>")
	for i, p := range pages {
		b := bodies[p]
		put(p, strings.TrimSuffix(b, ">>")+fmt.Sprintf("\n/StructParents %d\n/Tabs /S>>", i))
	}
	put(catalog, strings.TrimSuffix(bodies[catalog], ">>")+
		fmt.Sprintf("/MarkInfo <</Marked true>>\n/StructTreeRoot %d 0 R\n/ViewerPreferences <</DisplayDocTitle true>>\n>>", treeRoot))

	xref := out.Len()
	out.WriteString("xref\n")
	total := first + len(t.elems)
	for n := 0; n < total; n++ {
		if off, ok := offsets[n]; ok {
			fmt.Fprintf(&out, "%d 1\n%010d 00000 n \n", n, off)
		}
	}
	trailer := fmt.Sprintf("<</Size %d /Root %d 0 R /Prev %s", total, catalog, prev[1])
	if info != nil {
		trailer += " /Info " + info[1] + " 0 R"
	}
	fmt.Fprintf(&out, "trailer\n%s>>\nstartxref\n%d\n%%%%EOF\n", trailer, xref)
	return out.Bytes(), nil
}

// textString is s as a PDF text string: UTF-16BE with its byte order mark.
func textString(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}
