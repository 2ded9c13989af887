package demo

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/prenota/prenota/booking"
)

// RehearsalResource is the resource a click-day rehearsal opens.
const RehearsalResource = "Carte d'Identità Elettronica"

// Rehearse sets up a click-day rehearsal (SPEC §15, --rehearse-click-day):
// the demo's «Carte d'Identità Elettronica» opens its next four weeks of
// slots at opensAt, with its waiting room active from now (automatic
// admission, admissions of the default validity). A rehearsal whose opening
// is still to come is kept, so the instances started for it share it.
func Rehearse(ctx context.Context, svc *booking.Service, opensAt time.Time) error {
	tree, err := svc.Tree(ctx)
	if err != nil {
		return err
	}
	r, ok := find(tree, RehearsalResource)
	if !ok {
		return errors.New("demo: no resource «" + RehearsalResource + "» to rehearse a click day with")
	}
	if room := r.Schedule.Room; room != nil && room.OpensAt.After(svc.Now()) {
		return nil // another instance set this rehearsal up: one opening, one queue
	}
	before := int(math.Ceil(opensAt.Sub(svc.Now()).Minutes())) + 1
	r.Schedule.DaysAhead = 28
	r.Schedule.Room = &booking.Room{OpensAt: opensAt, BeforeMinutes: before}
	_, err = svc.UpdateResource(ctx, r, nil)
	return err
}

func find(ns []*booking.Node, name string) (booking.Resource, bool) {
	for _, n := range ns {
		if n.Name == name && n.Bookable {
			return n.Resource, true
		}
		if r, ok := find(n.Children, name); ok {
			return r, true
		}
	}
	return booking.Resource{}, false
}
