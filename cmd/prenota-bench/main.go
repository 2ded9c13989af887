// Command prenota-bench measures Prenota under load on this machine, on the
// demo Comune plus a year of past bookings, for SQLite and PostgreSQL:
//
//   - week grids: GET /api/v1/resources/{id}/availability?days=7 by logged-in
//     citizens, requests/s and latency percentiles;
//   - holds: citizens racing with POST /api/v1/holds over many slots,
//     successful holds/s and latency percentiles;
//   - statistics: GET /api/v1/statistics for the last 365 days, once the
//     year holds 150,000 bookings with cancellations and attendance; it
//     must answer within 500 ms.
//
// The server runs in this process on 127.0.0.1 with rate limits off and the
// GC setting of prenota serve; the load comes from goroutines over keep-alive
// connections in the same process, so client and server share the CPUs. Run
// it with `make bench`.
//
// `prenota-bench click` runs a click day against real prenota serve
// processes instead (click.go).
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prenota/prenota/app"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/codicefiscale"
	"github.com/prenota/prenota/sqlstore"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "click" {
		if err := click(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "click:", err)
			os.Exit(1)
		}
		return
	}
	duration := flag.Duration("duration", 10*time.Second, "length of each measurement")
	gridClients := flag.Int("grid-clients", 20, "concurrent week-grid clients")
	holdClients := flag.Int("hold-clients", 64, "concurrent hold clients")
	engines := flag.String("engines", "sqlite,postgres", "engines to measure")
	pg := flag.String("postgres", envOr("PRENOTA_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL server (a fresh schema is used and dropped)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the measurements to this file")
	statsOnly := flag.Bool("statistics-only", false, "measure only the statistics (skip the week grids and holds)")
	flag.Parse()
	app.TuneGC() // as prenota serve does
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		profile = f
		defer pprof.StopCPUProfile()
	}
	fmt.Printf("prenota-bench: %d CPUs, %s, %s per measurement\n", runtime.NumCPU(), runtime.Version(), *duration)
	fmt.Printf("%-9s %-28s %10s %9s %9s %9s\n", "engine", "measure", "ok/s", "p50", "p99", "errors")
	failed := false
	for _, engine := range strings.Split(*engines, ",") {
		if err := bench(engine, *pg, *duration, *gridClients, *holdClients, *statsOnly); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", engine, err)
			failed = true
		}
	}
	if failed {
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// profile, when set, receives a CPU profile of the measurements (not of the seeding).
var profile *os.File

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func bench(engine, pgURL string, d time.Duration, gridClients, holdClients int, statsOnly bool) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dbURL, cleanup, err := database(engine, pgURL)
	if err != nil {
		return err
	}
	defer cleanup()
	// No retention job: its keeping of the statistics' days would run
	// during the measurements (the first statistics request keeps them).
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DatabaseURL: dbURL, BaseURL: "http://127.0.0.1", Demo: true,
		RateLimit: false, PurgeEvery: -1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Listen(); err != nil {
		return err
	}
	running := make(chan struct{})
	go func() { a.Run(ctx); close(running) }()
	defer func() { cancel(); <-running }() // before Close: the server stops first
	base := "http://" + a.Addr()
	n, err := seedYear(ctx, a.Store, a.Service)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("%-9s %-28s %10d\n", engine, "past bookings seeded", n)
	if !statsOnly {
		if err := benchJourney(ctx, engine, base, a, d, gridClients, holdClients); err != nil {
			return err
		}
	}
	if n, err = seedOutcomes(ctx, a.Store, n); err != nil {
		return fmt.Errorf("seed outcomes: %w", err)
	}
	fmt.Printf("%-9s %-28s %10d\n", engine, "bookings of the year", n)
	if statsOnly && profile != nil {
		pprof.StartCPUProfile(profile)
	}
	return benchStatistics(ctx, engine, base, a.Store, d)
}

// benchJourney measures the week grids and the holds.
func benchJourney(ctx context.Context, engine, base string, a *app.App, d time.Duration, gridClients, holdClients int) error {
	tree, err := a.Service.Tree(ctx)
	if err != nil {
		return err
	}
	var resources []int64
	var walk func([]*booking.Node)
	walk = func(ns []*booking.Node) {
		for _, n := range ns {
			if n.Bookable {
				resources = append(resources, n.ID)
			}
			walk(n.Children)
		}
	}
	walk(tree)

	if profile != nil {
		pprof.StopCPUProfile()
		pprof.StartCPUProfile(profile)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}
	clients := make([]*http.Client, max(gridClients, holdClients))
	for i := range clients {
		if clients[i], err = login(base, tr, i); err != nil {
			return err
		}
	}

	// Week grids: each request asks a random resource's week from this Monday.
	monday := booking.DateOf(time.Now(), booking.Rome)
	for monday.Weekday() != time.Monday {
		monday = monday.AddDays(-1)
	}
	grid := run(d, clients[:gridClients], func(c *http.Client, r *rand.Rand) (bool, error) {
		id := resources[r.IntN(len(resources))]
		week := monday.AddDays(7 * r.IntN(4))
		return get(c, fmt.Sprintf("%s/api/v1/resources/%d/availability?from=%s&days=7", base, id, week))
	})
	grid.print(engine, fmt.Sprintf("week grid, %d clients", gridClients))

	// Holds: every client races for random free seats of every resource in
	// the next 90 days; a 409 (seat gone) is an expected answer, not an error.
	type slot struct {
		id    int64
		start string
	}
	var pool []slot
	for _, id := range resources {
		for from := booking.DateOf(time.Now(), booking.Rome); from.Before(booking.DateOf(time.Now().AddDate(0, 0, 90), booking.Rome)); from = from.AddDays(booking.MaxDays) {
			days, err := a.Service.Availability(ctx, id, from, booking.MaxDays, "")
			if err != nil {
				return err
			}
			for _, day := range days {
				for _, c := range day.Cells {
					for range c.FreeSeats { // one entry per seat: slots are drawn by free seats
						pool = append(pool, slot{id, c.Start.In(booking.Rome).Format(time.RFC3339)})
					}
				}
			}
		}
	}
	var conflicts atomic.Int64
	holds := run(d, clients[:holdClients], func(c *http.Client, r *rand.Rand) (bool, error) {
		s := pool[r.IntN(len(pool))]
		status, err := post(c, base+"/api/v1/holds", fmt.Sprintf(`{"resource_id":%d,"start":%q,"slots":1}`, s.id, s.start))
		if status == http.StatusConflict {
			conflicts.Add(1)
			return false, nil
		}
		return status == http.StatusCreated, err
	})
	holds.print(engine, fmt.Sprintf("holds, %d clients", holdClients))
	fmt.Printf("%-9s %-28s %10.0f   (%d free seats in the pool)\n", engine, "  409 seat gone/s", float64(conflicts.Load())/holds.elapsed.Seconds(), len(pool))
	return nil
}

// database returns a fresh database URL for engine and a cleanup function.
func database(engine, pgURL string) (string, func(), error) {
	switch engine {
	case "sqlite":
		dir, err := os.MkdirTemp("", "prenota-bench")
		if err != nil {
			return "", nil, err
		}
		return "sqlite:" + dir + "/prenota.db", func() { os.RemoveAll(dir) }, nil
	case "postgres":
		db, err := sql.Open("pgx", pgURL)
		if err != nil {
			return "", nil, err
		}
		schema := "bench_" + booking.NewID()
		if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
			db.Close()
			return "", nil, fmt.Errorf("PostgreSQL at %s: %w", pgURL, err)
		}
		sep := "?"
		if strings.Contains(pgURL, "?") {
			sep = "&"
		}
		return pgURL + sep + "search_path=" + schema, func() { db.Exec("DROP SCHEMA " + schema + " CASCADE"); db.Close() }, nil
	}
	return "", nil, fmt.Errorf("unknown engine %q", engine)
}

// seedYear books about 70% of every slot of the last 365 days.
func seedYear(ctx context.Context, s *sqlstore.Store, svc *booking.Service) (int, error) {
	cal, err := svc.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	rs, err := s.Resources(ctx)
	if err != nil {
		return 0, err
	}
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	insBooking, err := tx.PrepareContext(ctx, s.Rebind(`INSERT INTO bookings (id, code, resource_id, resource_name, starts_at, ends_at, slots,
		presentante, fruitore_cf, fruitore, motivazione, telefono, nota, extra, status, created_at, hold_id)
		VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, 'Pratica', '333 1234567', '', '{}', 'confirmed', ?, ?)`))
	if err != nil {
		return 0, err
	}
	insClaim, err := tx.PrepareContext(ctx, s.Rebind(`INSERT INTO claims (resource_id, starts_at, seat, hold_id, booking_id) VALUES (?, ?, ?, ?, ?)`))
	if err != nil {
		return 0, err
	}
	r := rand.New(rand.NewPCG(1, 2))
	today := booking.DateOf(time.Now(), booking.Rome)
	n := 0
	for _, res := range rs {
		if !res.Bookable {
			continue
		}
		for day := today.AddDays(-365); day.Before(today); day = day.AddDays(1) {
			slots, closed := booking.SlotsOn(res, cal, day)
			if closed != "" {
				continue
			}
			for _, sl := range slots {
				for seat := 0; seat < res.Schedule.Capacity; seat++ {
					if r.Float64() > 0.7 {
						continue
					}
					id, cf := booking.NewID(), fmt.Sprintf("CITTADINO%07d", r.IntN(50000))
					p, _ := json.Marshal(booking.Person{Nome: "MARIO", Cognome: "ROSSI", CodiceFiscale: cf})
					if _, err := insBooking.ExecContext(ctx, id, booking.NewCode()+fmt.Sprint(n), res.ID, res.Name, sl.Start.UnixMilli(), sl.End.UnixMilli(),
						cf, cf, string(p), sl.Start.Add(-72*time.Hour).UnixMilli(), id); err != nil {
						return 0, err
					}
					if _, err := insClaim.ExecContext(ctx, res.ID, sl.Start.UnixMilli(), seat, id, id); err != nil {
						return 0, err
					}
					n++
				}
			}
		}
	}
	return n, tx.Commit()
}

func login(base string, tr http.RoundTripper, i int) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second}
	cf, err := codicefiscale.Compute(codicefiscale.Person{Nome: "Anna", Cognome: "Verdi", Sesso: "F", Belfiore: "I304",
		DataNascita: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)})
	if err != nil {
		return nil, err
	}
	status, err := post(c, base+"/api/v1/demo/login", fmt.Sprintf(`{"codice_fiscale":%q,"nome":"Anna","cognome":"Verdi"}`, cf))
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("demo login: status %d", status)
	}
	return c, err
}

func get(c *http.Client, url string) (bool, error) {
	resp, err := c.Get(url)
	if err != nil {
		return false, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return true, nil
}

func post(c *http.Client, url, body string) (int, error) {
	resp, err := c.Post(url, "application/json", bytes.NewBufferString(body))
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// result is one measurement.
type result struct {
	ok, errs  int
	latencies []time.Duration
	elapsed   time.Duration
	firstErr  error
}

// run calls op from every client for d and collects the latencies.
func run(d time.Duration, clients []*http.Client, op func(*http.Client, *rand.Rand) (bool, error)) result {
	var mu sync.Mutex
	var res result
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 7))
			var lat []time.Duration
			ok, errs := 0, 0
			var firstErr error
			for time.Now().Before(deadline) {
				t0 := time.Now()
				good, err := op(c, r)
				lat = append(lat, time.Since(t0))
				switch {
				case err != nil:
					errs++
					if firstErr == nil {
						firstErr = err
					}
				case good:
					ok++
				}
			}
			mu.Lock()
			res.ok += ok
			res.errs += errs
			res.latencies = append(res.latencies, lat...)
			if res.firstErr == nil {
				res.firstErr = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

func (r result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	slices.Sort(r.latencies)
	return r.latencies[int(float64(len(r.latencies)-1)*p)]
}

func (r result) print(engine, what string) {
	fmt.Printf("%-9s %-28s %10.0f %9s %9s %9d\n", engine, what, float64(r.ok)/r.elapsed.Seconds(),
		r.percentile(0.50).Round(10*time.Microsecond), r.percentile(0.99).Round(10*time.Microsecond), r.errs)
	if r.firstErr != nil {
		fmt.Printf("%-9s   first error: %v\n", engine, r.firstErr)
	}
}
