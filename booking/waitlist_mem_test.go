package booking

import (
	"context"
)

// The waitlist is tested on the real store (sqlstore); this one has no line.

func (*memStore) JoinWaitlist(context.Context, *WaitEntry) error {
	return Errorf(EInvalid, "lista d'attesa non disponibile")
}
func (*memStore) Waitlist(context.Context, string) ([]WaitEntry, error)        { return nil, nil }
func (*memStore) ResourceWaitlist(context.Context, int64) ([]WaitEntry, error) { return nil, nil }
func (*memStore) LeaveWaitlist(context.Context, int64, string, func(int64) OfferTerms) (WaitEntry, error) {
	return WaitEntry{}, Errorf(ENotFound, "non trovata")
}
func (*memStore) WaitingDays(context.Context, int64) (Date, Date, bool, error) {
	return Date{}, Date{}, false, nil
}
func (*memStore) WaitingResources(context.Context) ([]int64, error) { return nil, nil }
func (*memStore) OfferSlots(context.Context, int64, []Slot, OfferTerms) ([]Offer, error) {
	return nil, nil
}
