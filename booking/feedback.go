package booking

import "time"

// PageFeedback sums up the answers of the feedback components of one page
// of the site ("/servizi/3") or of the end-of-journey rating ("esito").
type PageFeedback struct {
	Page    string
	Ratings [6]int  // how many of each rating, index 1 to 5
	Count   int     // all the answers
	Average float64 // mean rating
}

// FeedbackAnswer is one answer, for the back office's list.
type FeedbackAnswer struct {
	At      time.Time
	Page    string
	Rating  int
	Reason  string
	Comment string
}
