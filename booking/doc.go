// Package booking is the domain of Prenota: the Comune's settings, the tree of
// bookable resources and their schedules, the slots generated from them, holds,
// bookings and the rules that govern them.
//
// It imports only the standard library. Storage is behind the Store interface
// (implemented by package sqlstore for SQLite and PostgreSQL); the Service holds
// the operations that the API and the pages share.
package booking
