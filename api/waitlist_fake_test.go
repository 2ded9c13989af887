package api

import (
	"context"

	"github.com/prenota/prenota/booking"
)

// The waitlist is tested on the real store (sqlstore); this one has no line.

func (*fakeStore) JoinWaitlist(context.Context, *booking.WaitEntry) error {
	return booking.Errorf(booking.EInvalid, "lista d'attesa non disponibile")
}
func (*fakeStore) Waitlist(context.Context, string) ([]booking.WaitEntry, error) { return nil, nil }
func (*fakeStore) ResourceWaitlist(context.Context, int64) ([]booking.WaitEntry, error) {
	return nil, nil
}
func (*fakeStore) LeaveWaitlist(context.Context, int64, string, func(int64) booking.OfferTerms) (booking.WaitEntry, error) {
	return booking.WaitEntry{}, booking.Errorf(booking.ENotFound, "non trovata")
}
func (*fakeStore) WaitingDays(context.Context, int64) (booking.Date, booking.Date, bool, error) {
	return booking.Date{}, booking.Date{}, false, nil
}
func (*fakeStore) WaitingResources(context.Context) ([]int64, error) { return nil, nil }
func (*fakeStore) OfferSlots(context.Context, int64, []booking.Slot, booking.OfferTerms) ([]booking.Offer, error) {
	return nil, nil
}
