package web

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/forsok/forsok/internal/trial"
)

// callsData is one page of the list of published calls.
type callsData struct {
	Calls     []*trial.Call
	Page      int
	NextToken string
}

// calls lists the published calls, oldest first: the workflow's ListCalls as the
// anonymous caller, which leaves KDD's drafts out (trial.CallVisible), as the API does.
func (h *Handler) calls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	data := callsData{Page: 1}
	if n, err := strconv.Atoi(q.Get("side")); err == nil && n > 1 {
		data.Page = n
	}
	calls, next, err := h.reads.ListCalls(r.Context(), anonymous, h.opts.PageSize, q.Get("token"))
	if isCode(err, trial.CodeInvalidArgument) {
		data.Page = 1
		calls, next, err = h.reads.ListCalls(r.Context(), anonymous, h.opts.PageSize, "")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data.Calls, data.NextToken = calls, next
	h.render(w, r, http.StatusOK, "calls", "calls.title", data)
}

// count is one figure of a breakdown.
type count struct {
	Key string
	N   int
}

// callData is one call's page.
type callData struct {
	Call  *trial.Call
	Stats *trial.CallStatistics
	// Counties and Themes are the statistics' breakdowns in key order.
	Counties, Themes []count
}

// call shows one published call and its statistics, both read as the anonymous
// caller (GetCall, GetCallStatistics): a draft is NOT_FOUND here as in the API.
func (h *Handler) call(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !trial.ValidCallID(id) {
		h.notFound(w, r)
		return
	}
	c, err := h.reads.GetCall(r.Context(), anonymous, id)
	if isCode(err, trial.CodeNotFound) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	st, err := h.reads.GetCallStatistics(r.Context(), anonymous, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderTitled(w, r, http.StatusOK, "call", c.Title, callData{Call: c, Stats: st, Counties: sorted(st.ByCounty), Themes: sorted(st.ByTheme)})
}

func sorted(m map[string]int) []count {
	out := make([]count, 0, len(m))
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}) {
		out = append(out, count{k, m[k]})
	}
	return out
}
