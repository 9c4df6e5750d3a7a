package trial

import (
	"slices"
	"time"
)

// Subscription is a party's webhook: where to POST which events, and the secret the
// bodies are signed with.
type Subscription struct {
	ID string `json:"id"` // "1", "2", …; the resource name is "subscriptions/"+ID
	// Owner is the party that created it; only the owner sees and manages it, and it
	// receives only the events that party sees.
	Owner             Party  `json:"owner"`
	OwnerOrganisation string `json:"ownerOrganisation"`
	TargetURL         string `json:"targetUrl"`
	// EventTypes are the actions delivered; empty means every event.
	EventTypes []Action `json:"eventTypes,omitempty"`
	// Secret signs the bodies (HMAC-SHA256). It is stored, as the signature needs it,
	// and never returned by the API.
	Secret     string    `json:"secret"`
	CreatedBy  Person    `json:"createdBy"`
	CreateTime time.Time `json:"createTime"`
	UpdateTime time.Time `json:"updateTime"`
}

// Matches reports whether the subscription wants events of the action.
func (sub *Subscription) Matches(a Action) bool {
	return len(sub.EventTypes) == 0 || slices.Contains(sub.EventTypes, a)
}

// DeliveryState is where a delivery stands.
type DeliveryState string

// The delivery states.
const (
	DeliveryPending   DeliveryState = "PENDING"   // waiting for its first attempt or a retry
	DeliverySucceeded DeliveryState = "SUCCEEDED" // the receiver answered 2xx
	DeliveryDead      DeliveryState = "DEAD"      // given up after the last attempt failed
)

// DeliveryAttempt is one POST of a delivery and its result.
type DeliveryAttempt struct {
	Time time.Time `json:"time"`
	// StatusCode is the receiver's HTTP status; 0 when there was no answer.
	StatusCode int `json:"statusCode,omitempty"`
	// Error says why the attempt failed; empty for a 2xx answer.
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration"`
}

// Delivery is one event to one subscription. Its id within the subscription is the
// event's sequence number.
type Delivery struct {
	SubscriptionID string        `json:"subscriptionId"`
	Sequence       uint64        `json:"sequence"`
	ApplicationID  string        `json:"applicationId"`
	Action         Action        `json:"action"`
	State          DeliveryState `json:"state"`
	// AttemptCount counts the attempts since the delivery was created or last
	// redelivered; the worker gives up after a bounded number.
	AttemptCount int `json:"attemptCount"`
	// Round counts redeliveries, so that the result of an attempt started before one
	// does not settle the delivery the owner asked to send again.
	Round           int       `json:"round,omitempty"`
	NextAttemptTime time.Time `json:"nextAttemptTime,omitzero"`
	// Attempts are the latest attempts, oldest first (at most maxAttemptsKept).
	Attempts   []DeliveryAttempt `json:"attempts,omitempty"`
	CreateTime time.Time         `json:"createTime"`
	UpdateTime time.Time         `json:"updateTime"`
}

// EventTypes lists every action an event can record: the workflow's actions and the
// scheduler's notices.
func EventTypes() []Action {
	return append(Actions(), NoticeInterimReplyOverdue, NoticeConsultationDueSoon, NoticeConsultationOverdue,
		NoticePublicationMissing, NoticeTrialEndingSoon, NoticeEvaluationDueSoon, NoticeEvaluationOverdue)
}
