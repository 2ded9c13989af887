// Package browsertest drives Debian's chromium (headless, through chromedp) for
// the browser tests of the citizen pages, and checks what every page must pass:
// axe-core's WCAG 2.1 AA rules, no horizontal scrolling on a phone, no English
// words in the interface. Screenshots go to <repo>/screenshots/ for people to
// look at.
//
// A test starts a browser with New, opens a page with Navigate, and checks it:
//
//	ctx := browsertest.New(t, browsertest.Phone())
//	browsertest.Navigate(ctx, t, srv.URL+"/prenota")
//	browsertest.Axe(ctx, t, "prenota")
//	browsertest.NoHorizontalScroll(ctx, t)
//	browsertest.EnglishWords(ctx, t)
//	browsertest.Screenshot(ctx, t, "prenota")
//
// It needs /usr/bin/chromium (apt-get install -y chromium) and
// node_modules/axe-core (web/assets.sh runs npm ci); without them the test
// fails, it is never skipped.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ChromiumPath is the browser binary: Debian's chromium package. Tests never
// let a tool download a browser of its own.
const ChromiumPath = "/usr/bin/chromium"

// Viewport sizes of the two devices the pages are checked on.
const (
	DesktopWidth, DesktopHeight = 1280, 900
	PhoneWidth, PhoneHeight     = 360, 740
)

// opTimeout bounds each helper, so that a stuck page fails the test instead
// of hanging until the test binary's timeout.
const opTimeout = 60 * time.Second

// config is the browser setup chosen by the Options of New.
type config struct {
	width, height int64
	mobile        bool
	noScript      bool
	camera        string // a Y4M file the fake camera shows
}

// An Option changes the browser that New starts.
type Option func(*config)

// Desktop sets a 1280×900 window (the default).
func Desktop() Option {
	return func(c *config) { c.width, c.height, c.mobile = DesktopWidth, DesktopHeight, false }
}

// Phone sets a 360×740 mobile viewport with touch, like a small Android phone.
func Phone() Option {
	return func(c *config) { c.width, c.height, c.mobile = PhoneWidth, PhoneHeight, true }
}

// NoJavaScript disables the scripts of the pages (the pages must work without
// them). The helpers of this package still run their own scripts.
func NoJavaScript() Option {
	return func(c *config) { c.noScript = true }
}

// FakeCamera gives the browser a camera that shows img, and grants the pages
// its use without asking. The picture is written as a Y4M video (4:2:0) in a
// temporary directory of the test.
func FakeCamera(tb testing.TB, img image.Image) Option {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "camera.y4m")
	if err := os.WriteFile(path, y4m(img), 0o600); err != nil {
		tb.Fatalf("browsertest: writing the camera's video: %v", err)
	}
	return func(c *config) { c.camera = path }
}

// y4m encodes img as two identical frames of a YUV4MPEG2 video, the format
// of chromium's --use-file-for-fake-video-capture. Odd sizes are cut to even.
func y4m(img image.Image) []byte {
	b := img.Bounds()
	w, h := b.Dx()&^1, b.Dy()&^1
	yp, cb, cr := make([]byte, w*h), make([]byte, w*h/4), make([]byte, w*h/4)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			Y, U, V := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(bl>>8))
			yp[y*w+x] = Y
			if x%2 == 0 && y%2 == 0 {
				cb[(y/2)*(w/2)+x/2], cr[(y/2)*(w/2)+x/2] = U, V
			}
		}
	}
	out := fmt.Appendf(nil, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", w, h)
	for range 2 {
		out = append(out, "FRAME\n"...)
		out = append(append(append(out, yp...), cb...), cr...)
	}
	return out
}

type configKey struct{}

func configOf(ctx context.Context) *config {
	if c, ok := ctx.Value(configKey{}).(*config); ok {
		return c
	}
	return &config{width: DesktopWidth, height: DesktopHeight}
}

// New starts a fresh headless chromium for the test and returns its chromedp
// context; the browser stops when the test ends. A missing chromium fails the
// test with the command that installs it.
//
// The flags are exactly the ones of ENGINEERING.md, with a new profile in a
// temporary directory of the test.
func New(tb testing.TB, opts ...Option) context.Context {
	tb.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		tb.Fatalf("browsertest: %s not found (%v): run `apt-get install -y chromium`", ChromiumPath, err)
	}
	cfg := &config{width: DesktopWidth, height: DesktopHeight}
	for _, o := range opts {
		o(cfg)
	}

	flags := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ChromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(tb.TempDir()),
	}
	if cfg.camera != "" {
		flags = append(flags, chromedp.Flag("use-fake-ui-for-media-stream", true), chromedp.Flag("use-fake-device-for-media-stream", true),
			chromedp.Flag("use-file-for-fake-video-capture", cfg.camera))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), flags...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	tb.Cleanup(func() {
		cancel()
		cancelAlloc()
	})

	// The first Run starts the browser; it must not have a timeout, or the
	// timeout would stop the browser.
	viewport := []chromedp.EmulateViewportOption{chromedp.EmulatePortrait}
	if cfg.mobile {
		viewport = append(viewport, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(cfg.width, cfg.height, viewport...)); err != nil {
		tb.Fatalf("browsertest: starting %s: %v", ChromiumPath, err)
	}
	// Every document records what its Content-Security-Policy refused, for
	// Axe to report (this script is the browser's, not subject to the CSP).
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspRecorder}); err != nil {
		tb.Fatalf("browsertest: adding the CSP recorder: %v", err)
	}
	if cfg.noScript {
		if err := setScripts(ctx, false); err != nil {
			tb.Fatalf("browsertest: disabling JavaScript: %v", err)
		}
	}
	return context.WithValue(ctx, configKey{}, cfg)
}

func setScripts(ctx context.Context, enabled bool) error {
	_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled,
		emulation.SetScriptExecutionDisabledParams{Value: !enabled})
	return err
}

// evaluate runs a script of this package in the page and decodes its result,
// awaiting it when it is a promise. When the page's scripts are disabled it
// enables them for the call: scripts of the page that did not run at load
// stay not run.
func evaluate[T any](ctx context.Context, script string) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if configOf(ctx).noScript {
		if err := setScripts(ctx, true); err != nil {
			var zero T
			return zero, err
		}
		defer setScripts(ctx, false)
	}
	return chromedp.Run(ctx, chromedp.Evaluate[T](script, chromedp.EvalAwaitPromise))
}

// Navigate opens url and waits until the page and its web fonts are loaded,
// so that screenshots show the real fonts. It fails the test on error.
func Navigate(ctx context.Context, tb testing.TB, url string) {
	tb.Helper()
	tctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(url)); err != nil {
		tb.Fatalf("browsertest: opening %s: %v", url, err)
	}
	if _, err := evaluate[bool](ctx, `document.fonts.ready.then(() => true)`); err != nil {
		tb.Fatalf("browsertest: waiting for the fonts of %s: %v", url, err)
	}
}

// RepoRoot returns the directory of go.mod above the working directory (a
// test runs in its package's folder).
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			tb.Fatalf("browsertest: no go.mod above %s", dir)
		}
	}
}

// axeScript is node_modules/axe-core/axe.min.js, read once.
var axeScript struct {
	once sync.Once
	src  string
	err  error
}

// AxeTags are the axe-core rule tags Axe runs: WCAG 2.0 and 2.1, levels A and
// AA, as Legge Stanca / AgID ask.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// Violation is one failed axe-core rule with the elements that fail it.
type Violation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  string `json:"target"`
		Summary string `json:"summary"`
	} `json:"nodes"`
}

// AxeCheck injects axe-core into the current page and returns the violations
// of the WCAG 2.1 AA rules (AxeTags).
func AxeCheck(ctx context.Context, tb testing.TB) ([]Violation, error) {
	tb.Helper()
	axeScript.once.Do(func() {
		path := filepath.Join(RepoRoot(tb), "node_modules", "axe-core", "axe.min.js")
		b, err := os.ReadFile(path)
		if err != nil {
			axeScript.err = fmt.Errorf("reading axe-core (run web/assets.sh, which runs npm ci): %w", err)
			return
		}
		axeScript.src = string(b)
	})
	if axeScript.err != nil {
		return nil, axeScript.err
	}
	if _, err := evaluate[chromedp.Void](ctx, axeScript.src+"\n;undefined"); err != nil {
		return nil, fmt.Errorf("injecting axe-core: %w", err)
	}
	tags, _ := json.Marshal(AxeTags)
	script := `axe.run(document, {runOnly: {type: 'tag', values: ` + string(tags) + `}, resultTypes: ['violations']})
		.then(r => r.violations.map(v => ({
			id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
			nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary || ''})),
		})))`
	return evaluate[[]Violation](ctx, script)
}

// cspRecorder keeps the page's Content-Security-Policy violations in
// window.__browsertestCSP.
const cspRecorder = `window.__browsertestCSP = [];
document.addEventListener('securitypolicyviolation', e =>
	window.__browsertestCSP.push(e.effectiveDirective + ' refused ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));`

// NoCSPViolations fails the test when the Content-Security-Policy of the
// current page refused something (a script, a style, a connection): a page
// that works only without the policy is broken in production. Axe calls it.
func NoCSPViolations(ctx context.Context, tb testing.TB, name string) {
	tb.Helper()
	vs, err := evaluate[[]string](ctx, `window.__browsertestCSP || []`)
	if err != nil {
		tb.Fatalf("browsertest: reading CSP violations on %s: %v", name, err)
	}
	if len(vs) > 0 {
		tb.Errorf("browsertest: the Content-Security-Policy refused on %s:\n- %s", name, strings.Join(vs, "\n- "))
	}
}

// Axe fails the test when the current page has axe-core violations of the
// WCAG 2.1 AA rules, listing each rule (id, help) and its failing elements
// (CSS selectors). name tells which page or state was checked.
func Axe(ctx context.Context, tb testing.TB, name string) {
	tb.Helper()
	NoCSPViolations(ctx, tb, name)
	vs, err := AxeCheck(ctx, tb)
	if err != nil {
		tb.Fatalf("browsertest: axe on %s: %v", name, err)
	}
	if len(vs) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "axe-core: %d WCAG 2.1 AA violation(s) on %s:", len(vs), name)
	for _, v := range vs {
		fmt.Fprintf(&b, "\n- %s (%s): %s\n  %s", v.ID, v.Impact, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n  * %s", n.Target)
			if n.Summary != "" {
				fmt.Fprintf(&b, "\n    %s", strings.ReplaceAll(n.Summary, "\n", "\n    "))
			}
		}
	}
	tb.Error(b.String())
}

// Screenshot saves a full-page PNG of the current page as
// <repo>/screenshots/<TestName>-<name>.png (the folder is git-ignored) and
// returns its path.
func Screenshot(ctx context.Context, tb testing.TB, name string) string {
	tb.Helper()
	tctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	png, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	dir := filepath.Join(RepoRoot(tb), "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	file := filepath.Join(dir, fileName(tb.Name()+"-"+name)+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		tb.Fatal(err)
	}
	return file
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func fileName(s string) string { return unsafeFileChars.ReplaceAllString(s, "_") }

// NoHorizontalScroll fails the test when the page is wider than the window:
// document.documentElement.scrollWidth > window.innerWidth, where the window
// is at most the viewport of New (a phone browser zooms out and widens
// innerWidth when a page is too wide). It names the elements that stick out.
func NoHorizontalScroll(ctx context.Context, tb testing.TB) {
	tb.Helper()
	type result struct {
		ScrollWidth int      `json:"scrollWidth"`
		InnerWidth  int      `json:"innerWidth"`
		Wide        []string `json:"wide"`
	}
	r, err := evaluate[result](ctx, fmt.Sprintf(`(() => {
		const w = Math.min(window.innerWidth, %d);
		const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
			(typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\s+/).join('.') : '');
		const wide = [];
		for (const e of document.body.querySelectorAll('*')) {
			const r = e.getBoundingClientRect();
			if (r.width > 0 && Math.round(r.right) > w && wide.length < 10) wide.push(name(e) + ' (right ' + Math.round(r.right) + 'px)');
		}
		return {scrollWidth: document.documentElement.scrollWidth, innerWidth: w, wide};
	})()`, configOf(ctx).width))
	if err != nil {
		tb.Fatalf("browsertest: measuring the page width: %v", err)
	}
	if r.ScrollWidth > r.InnerWidth {
		tb.Errorf("browsertest: the page scrolls horizontally: scrollWidth %dpx > window %dpx; elements past the edge:\n  %s",
			r.ScrollWidth, r.InnerWidth, strings.Join(r.Wide, "\n  "))
	}
}

// EnglishUIWords are the English interface words and phrases EnglishWords
// looks for, as whole words, ignoring case.
var EnglishUIWords = []string{
	"Submit", "Cancel", "Next", "Previous", "Back", "Home", "Login", "Log in", "Logout", "Log out",
	"Sign in", "Sign out", "Search", "Loading", "Close", "Menu", "Error", "Required", "Save",
	"Delete", "Booking", "Bookings", "Continue", "Select", "Toggle navigation", "Skip to content",
	"Skip to main content", "Go to", "Read more", "Show more", "Open", "Edit", "Confirm", "Yes",
	"Today", "Week", "Month", "Choose file", "No file chosen", "Please", "Warning", "Success",
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
	"January", "February", "March", "April", "June", "July", "August", "September",
	"October", "November", "December",
}

// EnglishWords fails the test when the visible text of the page
// (document.body.innerText and the title), or the attributes that assistive
// technologies read (aria-label, title, placeholder, alt, the value of
// buttons), contain one of EnglishUIWords. allow lists words that are right
// on this page (e.g. "Login" in "Login assistenza", which SPEC §2 names).
func EnglishWords(ctx context.Context, tb testing.TB, allow ...string) {
	tb.Helper()
	texts, err := evaluate[[]string](ctx, `(() => {
		const out = [document.title, document.body.innerText];
		for (const e of document.querySelectorAll('[aria-label],[title],[placeholder],[alt]')) {
			for (const a of ['aria-label', 'title', 'placeholder', 'alt']) {
				const v = e.getAttribute(a);
				if (v) out.push(v);
			}
		}
		for (const e of document.querySelectorAll('input[type=submit],input[type=button],input[type=reset],button[value]')) {
			if (e.value) out.push(e.value);
		}
		return out;
	})()`)
	if err != nil {
		tb.Fatalf("browsertest: reading the page text: %v", err)
	}
	if found := findEnglish(strings.Join(texts, "\n"), allow); len(found) > 0 {
		var list []string
		for _, f := range found {
			list = append(list, f.String())
		}
		tb.Errorf("browsertest: English words in the interface (it speaks Italian): %s", strings.Join(list, ", "))
	}
}

// englishWord is one of EnglishUIWords found in a text, with the text around it.
type englishWord struct {
	Word, Context string
}

func (w englishWord) String() string { return fmt.Sprintf("%q in %q", w.Word, w.Context) }

// findEnglish returns the EnglishUIWords in text that allow does not list.
func findEnglish(text string, allow []string) []englishWord {
	var found []englishWord
	for _, w := range EnglishUIWords {
		if slices.ContainsFunc(allow, func(a string) bool { return strings.EqualFold(a, w) }) {
			continue
		}
		re := regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}])(` + strings.ReplaceAll(regexp.QuoteMeta(w), " ", `\s+`) + `)(?:[^\p{L}\p{N}]|$)`)
		if loc := re.FindStringSubmatchIndex(text); loc != nil {
			start, end := max(loc[2]-20, 0), min(loc[3]+20, len(text))
			// Keep the excerpt on rune boundaries.
			for start > 0 && !utf8RuneStart(text[start]) {
				start--
			}
			for end < len(text) && !utf8RuneStart(text[end]) {
				end++
			}
			found = append(found, englishWord{w, strings.Join(strings.Fields(text[start:end]), " ")})
		}
	}
	return found
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// Count returns how many elements of the current page match the CSS selector.
func Count(ctx context.Context, tb testing.TB, selector string) int {
	tb.Helper()
	sel, _ := json.Marshal(selector)
	n, err := evaluate[int](ctx, `document.querySelectorAll(`+string(sel)+`).length`)
	if err != nil {
		tb.Fatalf("browsertest: counting %s: %v", selector, err)
	}
	return n
}

// Click clicks the first element that matches the CSS selector, once it is
// visible.
func Click(ctx context.Context, tb testing.TB, selector string) {
	tb.Helper()
	tctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Click(selector, chromedp.NodeVisible)); err != nil {
		tb.Fatalf("browsertest: clicking %s: %v", selector, err)
	}
}

// ClickAndLoad clicks the first element that matches the CSS selector and
// waits until the browser has loaded the document the click leads to: a new
// document, even when its address is the one the page already had (a form
// posted back to itself). It watches the browser's load event, so no script
// runs in the page (pages without JavaScript stay so).
func ClickAndLoad(ctx context.Context, tb testing.TB, selector string) {
	tb.Helper()
	loaded := make(chan struct{}, 1)
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	if err := chromedp.Listen(lctx, func(ev any) {
		if _, ok := ev.(*page.EventLoadEventFired); ok {
			select {
			case loaded <- struct{}{}:
			default:
			}
		}
	}); err != nil {
		tb.Fatalf("browsertest: listening for the load of the page after %s: %v", selector, err)
	}
	Click(ctx, tb, selector)
	select {
	case <-loaded:
	case <-time.After(opTimeout):
		tb.Fatalf("browsertest: no new page after clicking %s", selector)
	}
}

// WaitVisible waits until an element that matches the CSS selector is visible.
func WaitVisible(ctx context.Context, tb testing.TB, selector string) {
	tb.Helper()
	tctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.WaitVisible(selector)); err != nil {
		tb.Fatalf("browsertest: waiting for %s: %v", selector, err)
	}
}
