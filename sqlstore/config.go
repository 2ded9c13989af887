package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/prenota/prenota/booking"
)

// Settings returns the Comune's settings (zero settings before any are saved).
func (s *Store) Settings(ctx context.Context) (booking.Settings, error) {
	var data string
	var st booking.Settings
	err := s.r.QueryRowContext(ctx, "SELECT data FROM settings WHERE id = 1").Scan(&data)
	if err == sql.ErrNoRows {
		return st, nil
	}
	if err != nil {
		return st, wrap(err)
	}
	return st, wrap(json.Unmarshal([]byte(data), &st))
}

// ConfigVersion returns the configuration's version.
func (s *Store) ConfigVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.r.QueryRowContext(ctx, "SELECT version FROM config_version WHERE id = 1").Scan(&v)
	return v, wrap(err)
}

// configTx runs a change of the configuration: fn and the increment of its
// version commit together. The increment comes first, so that on PostgreSQL
// the row stays locked until the change commits, and a hold or confirm that
// checks the version (checkVersion) waits for it.
func (s *Store) configTx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE config_version SET version = version + 1 WHERE id = 1"); err != nil {
			return wrap(err)
		}
		return fn(ctx, tx)
	})
}

// checkVersion returns ErrStale unless the configuration's version is still
// v. On PostgreSQL it holds a share lock on the version until tx ends, so a
// change cannot commit between the check and this transaction's commit.
func (s *Store) checkVersion(ctx context.Context, tx *sql.Tx, v int64) error {
	q := "SELECT version FROM config_version WHERE id = 1"
	if s.dialect == Postgres {
		q += " FOR SHARE"
	}
	var got int64
	if err := tx.QueryRowContext(ctx, q).Scan(&got); err != nil {
		return wrap(err)
	}
	if got != v {
		return booking.ErrStale
	}
	return nil
}

// SaveSettings replaces the Comune's settings.
func (s *Store) SaveSettings(ctx context.Context, st booking.Settings) error {
	b, err := json.Marshal(st)
	if err != nil {
		return wrap(err)
	}
	return s.configTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q("INSERT INTO settings (id, data) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data"), string(b))
		return wrap(err)
	})
}

// resourceData is the part of a resource kept as JSON.
type resourceData struct {
	Description string                   `json:"description"`
	Office      string                   `json:"office"`
	Address     string                   `json:"address"`
	Latitude    *float64                 `json:"latitude"`
	Longitude   *float64                 `json:"longitude"`
	Phone       string                   `json:"phone"`
	Email       string                   `json:"email"`
	Kind        booking.Kind             `json:"kind"`
	PhoneMode   booking.PhoneMode        `json:"phone_mode"`
	PhoneNumber string                   `json:"phone_number"`
	Documents   string                   `json:"documents"`
	ExtraFields []booking.ExtraField     `json:"extra_fields"`
	Schedule    booking.Schedule         `json:"schedule"`
	Sheet       booking.Sheet            `json:"sheet"`
	Waitlist    booking.WaitlistSettings `json:"waitlist"`
}

func encodeResource(r booking.Resource) (string, error) {
	b, err := json.Marshal(resourceData{r.Description, r.Office, r.Address, r.Latitude, r.Longitude, r.Phone, r.Email,
		r.Kind, r.PhoneMode, r.PhoneNumber, r.Documents, r.ExtraFields, r.Schedule, r.Sheet, r.Waitlist})
	return string(b), err
}

const resourceColumns = "id, COALESCE(parent_id, 0), name, bookable, hidden, position, data"

func scanResource(sc interface{ Scan(...any) error }) (booking.Resource, error) {
	var r booking.Resource
	var data string
	if err := sc.Scan(&r.ID, &r.ParentID, &r.Name, &r.Bookable, &r.Hidden, &r.Position, &data); err != nil {
		return r, err
	}
	var d resourceData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return r, err
	}
	r.Description, r.Office, r.Address, r.Latitude, r.Longitude = d.Description, d.Office, d.Address, d.Latitude, d.Longitude
	r.Phone, r.Email, r.Kind, r.PhoneMode, r.PhoneNumber = d.Phone, d.Email, d.Kind, d.PhoneMode, d.PhoneNumber
	r.Documents, r.ExtraFields, r.Schedule, r.Sheet, r.Waitlist = d.Documents, d.ExtraFields, d.Schedule, d.Sheet, d.Waitlist
	return r, nil
}

// Resources returns every node of the tree.
func (s *Store) Resources(ctx context.Context) ([]booking.Resource, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+resourceColumns+" FROM resources ORDER BY position, id")
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []booking.Resource
	for rows.Next() {
		r, err := scanResource(rows)
		if err != nil {
			return nil, wrap(err)
		}
		out = append(out, r)
	}
	return out, wrap(rows.Err())
}

// Resource returns one node.
func (s *Store) Resource(ctx context.Context, id int64) (booking.Resource, error) {
	r, err := scanResource(s.r.QueryRowContext(ctx, s.q("SELECT "+resourceColumns+" FROM resources WHERE id = ?"), id))
	if err == sql.ErrNoRows {
		return r, booking.Errorf(booking.ENotFound, "La risorsa richiesta non esiste.")
	}
	return r, wrap(err)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// CreateResource stores a new node and sets its ID.
func (s *Store) CreateResource(ctx context.Context, r *booking.Resource) error {
	data, err := encodeResource(*r)
	if err != nil {
		return wrap(err)
	}
	return s.configTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return wrap(tx.QueryRowContext(ctx, s.q("INSERT INTO resources (parent_id, name, bookable, hidden, position, data) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
			nullID(r.ParentID), r.Name, r.Bookable, r.Hidden, r.Position, data).Scan(&r.ID))
	})
}

// UpdateResource replaces a node.
func (s *Store) UpdateResource(ctx context.Context, r booking.Resource) error {
	data, err := encodeResource(r)
	if err != nil {
		return wrap(err)
	}
	return s.configTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("UPDATE resources SET parent_id = ?, name = ?, bookable = ?, hidden = ?, position = ?, data = ? WHERE id = ?"),
			nullID(r.ParentID), r.Name, r.Bookable, r.Hidden, r.Position, data, r.ID)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return booking.Errorf(booking.ENotFound, "La risorsa richiesta non esiste.")
		}
		return nil
	})
}

// Closures returns the closures touching [from, to].
func (s *Store) Closures(ctx context.Context, from, to booking.Date) ([]booking.Closure, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT id, COALESCE(resource_id, 0), from_date, to_date, reason FROM closures WHERE to_date >= ? AND from_date <= ? ORDER BY from_date, id"), from.String(), to.String())
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []booking.Closure
	for rows.Next() {
		var c booking.Closure
		var f, t string
		if err := rows.Scan(&c.ID, &c.ResourceID, &f, &t, &c.Reason); err != nil {
			return nil, wrap(err)
		}
		if c.From, err = booking.ParseDate(f); err != nil {
			return nil, wrap(err)
		}
		if c.To, err = booking.ParseDate(t); err != nil {
			return nil, wrap(err)
		}
		out = append(out, c)
	}
	return out, wrap(rows.Err())
}

// AddClosure stores a closure and sets its ID.
func (s *Store) AddClosure(ctx context.Context, c *booking.Closure) error {
	return s.configTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return wrap(tx.QueryRowContext(ctx, s.q("INSERT INTO closures (resource_id, from_date, to_date, reason) VALUES (?, ?, ?, ?) RETURNING id"),
			nullID(c.ResourceID), c.From.String(), c.To.String(), c.Reason).Scan(&c.ID))
	})
}

// Openings returns the one-off openings in [from, to].
func (s *Store) Openings(ctx context.Context, from, to booking.Date) ([]booking.Opening, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT id, resource_id, on_date, start_min, end_min, reason FROM openings WHERE on_date >= ? AND on_date <= ? ORDER BY on_date, start_min"), from.String(), to.String())
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []booking.Opening
	for rows.Next() {
		var o booking.Opening
		var d string
		if err := rows.Scan(&o.ID, &o.ResourceID, &d, &o.Start, &o.End, &o.Reason); err != nil {
			return nil, wrap(err)
		}
		if o.Date, err = booking.ParseDate(d); err != nil {
			return nil, wrap(err)
		}
		out = append(out, o)
	}
	return out, wrap(rows.Err())
}

// AddOpening stores a one-off opening and sets its ID.
func (s *Store) AddOpening(ctx context.Context, o *booking.Opening) error {
	return s.configTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return wrap(tx.QueryRowContext(ctx, s.q("INSERT INTO openings (resource_id, on_date, start_min, end_min, reason) VALUES (?, ?, ?, ?, ?) RETURNING id"),
			o.ResourceID, o.Date.String(), int(o.Start), int(o.End), o.Reason).Scan(&o.ID))
	})
}
