package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/codicefiscale"
	"github.com/prenota/prenota/demo"
	"github.com/prenota/prenota/sqlstore"
)

// click is `prenota-bench click`: a click day (SPEC §12, §15) against real
// `prenota serve --demo` processes over loopback. N citizens arrive for the
// demo's «Carte d'Identità Elettronica»: with the waiting room
// (--rehearse-click-day), a third in the minutes before the opening and the
// rest in the minute after it; each logs in, queues (join, polls), pages the
// week grid, holds one of the earliest free slots and confirms.
func click(args []string) error {
	fs := flag.NewFlagSet("click", flag.ExitOnError)
	n := fs.Int("citizens", 20000, "citizens arriving")
	room := fs.Bool("room", true, "waiting room on (--rehearse-click-day)")
	before := fs.Duration("before", 2*time.Minute, "with the room: the opening comes this long after start; a third of the citizens arrive in it")
	spread := fs.Duration("spread", time.Minute, "the other citizens arrive over this long (from the opening with the room, from start without)")
	instances := fs.Int("instances", 1, "prenota serve processes (more than one needs -engine postgres)")
	engine := fs.String("engine", "sqlite", "sqlite or postgres")
	pg := fs.String("postgres", envOr("PRENOTA_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL server (a fresh schema is used and dropped)")
	bin := fs.String("prenota", "", "the prenota binary (default: built from ./cmd/prenota)")
	fs.Parse(args)
	if *instances > 1 && *engine != "postgres" {
		return errors.New("several instances need -engine postgres")
	}
	dir, err := os.MkdirTemp("", "prenota-click")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if *bin == "" {
		*bin = filepath.Join(dir, "prenota")
		if out, err := exec.Command("go", "build", "-o", *bin, "./cmd/prenota").CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	dbURL, cleanup, err := database(*engine, *pg)
	if err != nil {
		return err
	}
	defer cleanup()
	if *engine == "sqlite" {
		dbURL = "sqlite:" + filepath.Join(dir, "click.db")
	}
	start := time.Now()
	opens := start.Add(*before)
	if !*room {
		opens = start
	}
	var servers []*server
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	for i := range *instances {
		s, err := startServer(*bin, dbURL, dir, i, *room, opens.Sub(time.Now()))
		if err != nil {
			return err
		}
		servers = append(servers, s)
	}
	resID, err := rehearsed(servers[0].base)
	if err != nil {
		return err
	}
	fmt.Printf("click day: %d citizens, %d instance(s) on %s, room %v, resource %d; opening in %s\n", *n, *instances, *engine, *room, resID, time.Until(opens).Round(time.Second))

	tr := &http.Transport{MaxIdleConnsPerHost: 2048, MaxConnsPerHost: 0, IdleConnTimeout: time.Minute,
		DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext}
	st := newStats()
	r := rand.New(rand.NewPCG(uint64(start.UnixNano()), 16))
	var wg sync.WaitGroup
	for i := range *n {
		at := opens.Add(time.Duration(r.Int64N(int64(*spread))))
		if *room && i%3 == 0 {
			at = start.Add(time.Duration(r.Int64N(int64(opens.Sub(start)))))
		}
		c := &citizen{i: i, base: servers[i%len(servers)].base, resource: resID, arrive: at, room: *room, opens: opens, st: st, tr: tr}
		wg.Go(func() {
			time.Sleep(time.Until(c.arrive))
			c.run()
		})
	}
	wg.Wait()
	st.print()
	for i, s := range servers {
		fmt.Printf("server %d peak RSS: %d MB\n", i, s.peakRSS()/1024)
	}
	return overCapacity(dbURL, resID)
}

// server is one prenota serve process.
type server struct {
	cmd  *exec.Cmd
	base string
	done chan struct{}
	peak int64 // KB, sampled
	mu   sync.Mutex
}

func startServer(bin, dbURL, dir string, i int, room bool, opensIn time.Duration) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	args := []string{"serve", "--demo", "--rate-limit", "off", "--addr", addr, "--database-url", dbURL, "--base-url", "http://" + addr}
	if room {
		args = append(args, "--rehearse-click-day", opensIn.Round(time.Second).String())
	}
	cmd := exec.Command(bin, args...)
	logf, err := os.Create(filepath.Join(dir, "server"+strconv.Itoa(i)+".log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "PRENOTA_LOG_LEVEL=warn")
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr, done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	go s.sampleRSS()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("prenota serve exited at start (log in %s)", logf.Name())
		default:
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, errors.New("prenota serve did not answer /healthz within 60 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sampleRSS keeps the peak of VmHWM (the kernel's high-water mark of the
// resident set).
func (s *server) sampleRSS() {
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
		if err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
					kb, _ := strconv.ParseInt(f[1], 10, 64)
					s.mu.Lock()
					s.peak = max(s.peak, kb)
					s.mu.Unlock()
				}
			}
		}
		select {
		case <-s.done:
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (s *server) peakRSS() int64 { s.mu.Lock(); defer s.mu.Unlock(); return s.peak }

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
	}
}

// rehearsed finds the rehearsal's resource through the API.
func rehearsed(base string) (int64, error) {
	resp, err := http.Get(base + "/api/v1/resources")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	type node struct {
		ID       int64   `json:"id"`
		Name     string  `json:"name"`
		Children []*node `json:"children"`
	}
	var tree []*node
	if err := json.NewDecoder(resp.Body).Decode(&tree); err != nil {
		return 0, err
	}
	var find func([]*node) int64
	find = func(ns []*node) int64 {
		for _, n := range ns {
			if n.Name == demo.RehearsalResource {
				return n.ID
			}
			if id := find(n.Children); id != 0 {
				return id
			}
		}
		return 0
	}
	if id := find(tree); id != 0 {
		return id, nil
	}
	return 0, errors.New("no «" + demo.RehearsalResource + "» in the demo")
}

// stats gathers the run's figures.
type stats struct {
	mu        sync.Mutex
	lat       map[string][]time.Duration
	errs      map[string]int
	booked    int
	soldOut   int
	lastHold  time.Time      // the last successful hold
	told      [][2]time.Time // when each citizen told sold_out joined, and when told
	preJoin   []joined       // joined before the opening
	postJoin  []joined
	journeys  []time.Duration
	noSeat    int // went through and found no seat (no room)
	admitted  int
	holdsMade int
}

type joined struct {
	at       time.Time
	position int64
}

func newStats() *stats { return &stats{lat: map[string][]time.Duration{}, errs: map[string]int{}} }

func (s *stats) took(step string, d time.Duration) {
	s.mu.Lock()
	s.lat[step] = append(s.lat[step], d)
	s.mu.Unlock()
}

func (s *stats) fail(kind string) {
	s.mu.Lock()
	s.errs[kind]++
	s.mu.Unlock()
}

// citizen is one person's click day.
type citizen struct {
	i        int
	base     string
	resource int64
	arrive   time.Time
	room     bool
	opens    time.Time
	st       *stats
	tr       http.RoundTripper
	c        *http.Client
}

// call sends a request and decodes a JSON answer into v (when not nil),
// timing it under step.
func (c *citizen) call(step, method, path string, body any, v any, header ...string) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	t0 := time.Now()
	resp, err := c.c.Do(req)
	if err != nil {
		c.st.took(step, time.Since(t0))
		c.st.fail(step + ": " + errKind(err))
		return 0, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	c.st.took(step, time.Since(t0))
	if err != nil {
		c.st.fail(step + ": " + errKind(err))
		return 0, err
	}
	if v != nil && resp.StatusCode < 300 {
		json.Unmarshal(b, v)
	}
	return resp.StatusCode, nil
}

func errKind(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "network"
}

type placeJSON struct {
	State     string `json:"state"`
	Position  *int64 `json:"position"`
	PollAfter int64  `json:"poll_after_seconds"`
}

func (c *citizen) run() {
	t0 := time.Now()
	jar, _ := cookiejar.New(nil)
	c.c = &http.Client{Jar: jar, Transport: c.tr, Timeout: 60 * time.Second}
	birth := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, c.i)
	cf, err := codicefiscale.Compute(codicefiscale.Person{Nome: "Anna", Cognome: "Verdi", Sesso: "F", Belfiore: "I304", DataNascita: birth})
	if err != nil {
		c.st.fail("codice fiscale")
		return
	}
	if code, err := c.call("login", "POST", "/api/v1/demo/login", map[string]string{"codice_fiscale": cf, "nome": "Anna", "cognome": "Verdi"}, nil); err != nil || code != http.StatusOK {
		if err == nil {
			c.st.fail("login: status " + strconv.Itoa(code))
		}
		return
	}
	if c.room && !c.queue() {
		return
	}
	fruitore := map[string]string{"nome": "Anna", "cognome": "Verdi", "data_nascita": birth.Format("2006-01-02"), "sesso": "F",
		"nazione_nascita": "ITALIA", "provincia_nascita": "RN", "comune_nascita": "SANTARCANGELO DI ROMAGNA", "codice_fiscale": cf,
		"email": "anna.verdi@example.it", "telefono": "333 1234567"}
	// A citizen tries again while the grid shows free slots, as people do.
	for attempt := 0; attempt < 50; attempt++ {
		start, ok := c.earliestFree()
		if !ok {
			c.st.mu.Lock()
			c.st.noSeat++
			c.st.mu.Unlock()
			return
		}
		var h struct {
			ID string `json:"id"`
		}
		code, err := c.call("hold", "POST", "/api/v1/holds", map[string]any{"resource_id": c.resource, "start": start, "slots": 1}, &h)
		if err != nil {
			return
		}
		switch code {
		case http.StatusConflict:
			continue // the seat went meanwhile: look again
		case http.StatusForbidden:
			c.st.fail("hold: not admitted")
			return
		case http.StatusCreated:
		default:
			c.st.fail("hold: status " + strconv.Itoa(code))
			return
		}
		c.st.mu.Lock()
		c.st.holdsMade++
		if now := time.Now(); now.After(c.st.lastHold) {
			c.st.lastHold = now
		}
		c.st.mu.Unlock()
		code, err = c.call("confirm", "POST", "/api/v1/bookings", map[string]any{"hold_id": h.ID, "fruitore": fruitore,
			"motivazione": "Rilascio CIE", "telefono": "333 1234567"}, nil, "Idempotency-Key", cf)
		if err != nil {
			return
		}
		if code != http.StatusCreated {
			c.st.fail("confirm: status " + strconv.Itoa(code))
			return
		}
		c.st.mu.Lock()
		c.st.booked++
		c.st.journeys = append(c.st.journeys, time.Since(t0))
		c.st.mu.Unlock()
		return
	}
	c.st.mu.Lock()
	c.st.noSeat++
	c.st.mu.Unlock()
}

// queue joins the waiting room and polls until admitted (true) or told the
// seats are gone (false).
func (c *citizen) queue() bool {
	path := fmt.Sprintf("/api/v1/resources/%d/queue", c.resource)
	var p placeJSON
	joinedAt := time.Now()
	code, err := c.call("join", "POST", path, nil, &p)
	if err != nil {
		return false
	}
	if code != http.StatusCreated && code != http.StatusOK {
		c.st.fail("join: status " + strconv.Itoa(code))
		return false
	}
	recorded := false
	for {
		if p.Position != nil && !recorded {
			recorded = true
			c.st.mu.Lock()
			if joinedAt.Before(c.opens) {
				c.st.preJoin = append(c.st.preJoin, joined{joinedAt, *p.Position})
			} else {
				c.st.postJoin = append(c.st.postJoin, joined{joinedAt, *p.Position})
			}
			c.st.mu.Unlock()
		}
		switch p.State {
		case "admitted", "closed":
			c.st.mu.Lock()
			c.st.admitted++
			c.st.mu.Unlock()
			return true
		case "sold_out":
			c.st.mu.Lock()
			c.st.soldOut++
			c.st.told = append(c.st.told, [2]time.Time{joinedAt, time.Now()})
			c.st.mu.Unlock()
			return false
		}
		wait := time.Duration(max(p.PollAfter, 1)) * time.Second
		// Jitter, as browsers that opened the page at different moments.
		time.Sleep(wait/2 + rand.N(wait))
		code, err := c.call("poll", "GET", path, nil, &p)
		if err != nil {
			return false
		}
		if code != http.StatusOK {
			c.st.fail("poll: status " + strconv.Itoa(code))
			return false
		}
	}
}

// earliestFree pages the week grid (five weeks at most: the rehearsal opens
// 28 days from today) and picks one of
// the first ten free slots.
func (c *citizen) earliestFree() (string, bool) {
	from := booking.DateOf(time.Now(), booking.Rome)
	for week := 0; week < 5; week++ {
		var a struct {
			Days []struct {
				Slots []struct {
					Start string `json:"start"`
					State string `json:"state"`
				} `json:"slots"`
			} `json:"days"`
		}
		code, err := c.call("grid", "GET", fmt.Sprintf("/api/v1/resources/%d/availability?from=%s&days=7", c.resource, from.AddDays(7*week)), nil, &a)
		if err != nil || code != http.StatusOK {
			if err == nil {
				c.st.fail("grid: status " + strconv.Itoa(code))
			}
			return "", false
		}
		var free []string
		for _, d := range a.Days {
			for _, s := range d.Slots {
				if s.State == "free" {
					free = append(free, s.Start)
				}
			}
		}
		if len(free) > 0 {
			return free[rand.IntN(min(len(free), 10))], true
		}
	}
	return "", false
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[int(float64(len(ds)-1)*p)]
}

func (s *stats) print() {
	fmt.Printf("%-8s %8s %9s %9s %9s %9s\n", "step", "count", "p50", "p90", "p99", "max")
	for _, step := range []string{"login", "join", "poll", "grid", "hold", "confirm"} {
		ds := s.lat[step]
		if len(ds) == 0 {
			continue
		}
		slices.Sort(ds)
		fmt.Printf("%-8s %8d %9s %9s %9s %9s\n", step, len(ds), pct(ds, .5).Round(100*time.Microsecond), pct(ds, .9).Round(100*time.Microsecond),
			pct(ds, .99).Round(100*time.Microsecond), ds[len(ds)-1].Round(100*time.Microsecond))
	}
	slices.Sort(s.journeys)
	fmt.Printf("booked %d (holds %d), admitted %d, told sold out %d, found no seat %d; whole citizen p50 %s p99 %s\n", s.booked, s.holdsMade, s.admitted, s.soldOut, s.noSeat,
		pct(s.journeys, .5).Round(time.Millisecond), pct(s.journeys, .99).Round(time.Millisecond))
	total := 0
	kinds := make([]string, 0, len(s.errs))
	for k, v := range s.errs {
		kinds = append(kinds, k)
		total += v
	}
	slices.Sort(kinds)
	fmt.Printf("errors: %d", total)
	for _, k := range kinds {
		fmt.Printf("; %s: %d", k, s.errs[k])
	}
	fmt.Println()
	if len(s.told) > 0 && !s.lastHold.IsZero() {
		// from the last seat going, or from joining for those who came later
		var late time.Duration
		for _, t := range s.told {
			from := s.lastHold
			if t[0].After(from) {
				from = t[0]
			}
			late = max(late, t[1].Sub(from))
		}
		fmt.Printf("sold out: every citizen waiting was told within %s of the last successful hold (or of joining, if later)\n", late.Round(10*time.Millisecond))
	}
	fmt.Printf("fairness: pre-opening joiners %d, Spearman ρ(join order, position) = %.3f; post-opening %d, ρ = %.3f\n",
		len(s.preJoin), rho(s.preJoin), len(s.postJoin), rho(s.postJoin))
}

// rho is Spearman's rank correlation of join time and position.
func rho(js []joined) float64 {
	n := len(js)
	if n < 2 {
		return 0
	}
	byTime := slices.Clone(js)
	slices.SortFunc(byTime, func(a, b joined) int { return a.at.Compare(b.at) })
	rankPos := map[int64]int{}
	pos := make([]int64, n)
	for i, j := range byTime {
		pos[i] = j.position
	}
	sorted := slices.Clone(pos)
	slices.Sort(sorted)
	for i, p := range sorted {
		rankPos[p] = i
	}
	var d2 float64
	for i, p := range pos {
		d := float64(i - rankPos[p])
		d2 += d * d
	}
	fn := float64(n)
	return 1 - 6*d2/(fn*(fn*fn-1))
}

// overCapacity reads the database: seats booked beyond each slot's capacity
// (the demo's CIE has one seat a slot).
func overCapacity(dbURL string, resID int64) error {
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer s.Close()
	var over, bookings int
	err = s.DB().QueryRowContext(ctx, s.Rebind(`SELECT COALESCE(SUM(n - 1), 0), COALESCE(SUM(n), 0) FROM
		(SELECT COUNT(*) AS n FROM claims WHERE resource_id = ? AND booking_id IS NOT NULL GROUP BY starts_at) c`), resID).Scan(&over, &bookings)
	if err != nil {
		return err
	}
	var double int
	err = s.DB().QueryRowContext(ctx, s.Rebind(`SELECT COUNT(*) FROM (SELECT starts_at FROM claims WHERE resource_id = ? AND booking_id IS NOT NULL
		GROUP BY starts_at HAVING COUNT(*) > 1) d`), resID).Scan(&double)
	if err != nil {
		return err
	}
	fmt.Printf("database: %d booked seats of the resource, %d seats over capacity (%d slots with more than one)\n", bookings, over, double)
	if over > 0 {
		return fmt.Errorf("%d seats over capacity", over)
	}
	return nil
}
