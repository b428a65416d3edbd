package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/status"

	"github.com/weftlabs/weft/monitor/query"
	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/web"
	"github.com/weftlabs/weft/web/components"
)

// maxForm bounds an action's form body.
const maxForm = 1 << 20

// maxBulk bounds how many incidents one bulk retry resolves.
const maxBulk = 500

// invalid is an error in what the user entered: the flash shows it as it is.
type invalid string

func (e invalid) Error() string { return string(e) }

// gatewayMessage is what the flash shows of a gateway error: the gRPC status message
// (the gateway's rejection reason) and code, after the context the monitor added
// ("update retries of job 1: ...").
func gatewayMessage(err error) string {
	var inv invalid
	if errors.As(err, &inv) {
		return string(inv)
	}
	var se interface {
		error
		GRPCStatus() *status.Status
	}
	if !errors.As(err, &se) {
		return err.Error()
	}
	st := se.GRPCStatus()
	prefix := strings.TrimSuffix(err.Error(), se.Error())
	return prefix + st.Message() + " (" + st.Code().String() + ")"
}

// act is one action: what to confirm, where to go afterwards, and what to do.
type act struct {
	// confirm is the question of the confirmation step; "" for actions that need none.
	title, confirm string
	// back is where the browser goes afterwards when the form names no other local page.
	back string
	// do runs the action; it returns the success message and how to tell that the
	// read model shows the action's effect.
	do func(ctx context.Context, form url.Values) (done, error)
}

// done is what a successful action reports.
type done struct {
	msg string
	// shown, when not nil, reports whether the read model shows the action's effect;
	// the monitor waits for it (at most Config.SettleTimeout) before it redirects.
	shown shownFunc
}

// run handles an action's POST: confirmation (a page without JavaScript; htmx asks in
// the browser and sends HX-Request), the gateway call, the flash message, and the
// redirect (303, or HX-Redirect for htmx).
func (s *server) run(w http.ResponseWriter, r *http.Request, a act) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	form := r.PostForm
	back := localPath(form.Get("back"))
	if back == "" {
		back = refererPath(r)
	}
	if back == "" || back == r.URL.Path {
		back = a.back
	}
	htmx := r.Header.Get("HX-Request") == "true"
	if a.confirm != "" && form.Get("confirmed") != "yes" && !htmx {
		v := components.ConfirmView{Title: a.title, Message: a.confirm, Action: r.URL.Path, Back: back}
		for name, vals := range form {
			if name == "confirmed" || name == "back" {
				continue
			}
			for _, val := range vals {
				v.Fields = append(v.Fields, components.Field{Name: name, Value: val})
			}
		}
		v.Fields = append(v.Fields, components.Field{Name: "back", Value: back})
		sortFields(v.Fields)
		s.render(w, r, http.StatusOK, components.Confirm(s.page(w, r, a.title, ""), v))
		return
	}
	var d done
	var err error
	if s.gw == nil {
		err = invalid("The monitor has no gateway configured; it is read-only.")
	} else {
		ctx, cancel := s.ctx(r)
		d, err = a.do(ctx, form)
		cancel()
		if err == nil && d.shown != nil && s.settleTimeout >= 0 && !s.awaitShown(r.Context(), d.shown) {
			d.msg += notShownYet
		}
	}
	msg := d.msg
	if err != nil {
		var inv invalid
		if !errors.As(err, &inv) {
			s.log.Warn("monitor action failed", "path", r.URL.Path, "error", err)
		}
		setFlash(w, "error", a.title+" failed: "+gatewayMessage(err))
	} else {
		setFlash(w, "success", msg)
	}
	if htmx {
		w.Header().Set("HX-Redirect", back)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func sortFields(fs []components.Field) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].Name < fs[j-1].Name; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

// localPath returns p when it is a path on this site ("/..."), else "".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return ""
	}
	return p
}

// refererPath returns the path and query of a same-host Referer, else "".
func refererPath(r *http.Request) string {
	u, err := url.Parse(r.Referer())
	if err != nil || u.Host != r.Host {
		return ""
	}
	return localPath(u.RequestURI())
}

// variablesJSON validates an optional JSON object of variables: "" stays "".
func variablesJSON(raw, field string, required bool) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		if required {
			return "", invalid(field + " are required: a JSON object such as {\"name\": \"value\"}.")
		}
		return "", nil
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		return "", invalid(field + " must be a JSON object: " + err.Error())
	}
	return raw, nil
}

// formKey reads a key from the form: "" is 0 when optional.
func formKey(form url.Values, name, label string, required bool) (int64, error) {
	raw := strings.TrimSpace(form.Get(name))
	if raw == "" && !required {
		return 0, nil
	}
	k, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || k <= 0 {
		return 0, invalid(fmt.Sprintf("%s %q is not a key.", label, raw))
	}
	return k, nil
}

// formInt reads a non-negative number from the form, def when empty.
func formInt(form url.Values, name, label string, def int32) (int32, error) {
	raw := strings.TrimSpace(form.Get(name))
	if raw == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(raw, 10, 32)
	if err != nil || n < 0 {
		return 0, invalid(fmt.Sprintf("%s %q is not a number of 0 or more.", label, raw))
	}
	return int32(n), nil
}

// formDuration reads a duration ("30s", "1h" or milliseconds) from the form; 0 when
// empty.
func formDuration(form url.Values, name, label string) (time.Duration, error) {
	raw := strings.TrimSpace(form.Get(name))
	if raw == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(raw, 10, 64); err == nil && n >= 0 {
		return time.Duration(n) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d < 0 {
		return 0, invalid(fmt.Sprintf("%s %q is not a duration such as 30s or 1h.", label, raw))
	}
	return d, nil
}

func (s *server) keyOr404(w http.ResponseWriter, r *http.Request, what string) (int64, bool) {
	k, err := pathKey(r, what)
	if err != nil {
		http.NotFound(w, r)
		return 0, false
	}
	return k, true
}

func (s *server) cancelInstance(w http.ResponseWriter, r *http.Request) {
	key, ok := s.keyOr404(w, r, "process instance")
	if !ok {
		return
	}
	k := web.Key(key)
	s.run(w, r, act{title: "Cancel instance " + k, confirm: "Cancel process instance " + k + "? Its running work is terminated.",
		back: "/instances/" + k, do: func(ctx context.Context, _ url.Values) (done, error) {
			_, err := s.gw.CancelProcessInstance(ctx, &gatewaypb.CancelProcessInstanceRequest{ProcessInstanceKey: key})
			return done{"Instance " + k + " canceled.", s.instanceEnded(key)}, err
		}})
}

func (s *server) setVariables(w http.ResponseWriter, r *http.Request) {
	key, ok := s.keyOr404(w, r, "process instance")
	if !ok {
		return
	}
	k := web.Key(key)
	s.run(w, r, act{title: "Set variables", confirm: "Set these variables on the scope? Existing values are replaced.",
		back: "/instances/" + k, do: func(ctx context.Context, form url.Values) (done, error) {
			scope, err := formKey(form, "scope", "Scope", false)
			if err != nil {
				return done{}, err
			}
			if scope == 0 {
				scope = key
			}
			vars, err := variablesJSON(form.Get("variables"), "Variables", true)
			if err != nil {
				return done{}, err
			}
			_, err = s.gw.SetVariables(ctx, &gatewaypb.SetVariablesRequest{ElementInstanceKey: scope, Variables: vars,
				Local: form.Get("local") == "true"})
			return done{"Variables set on scope " + web.Key(scope) + ".", s.variablesSet(key, vars)}, err
		}})
}

func (s *server) modifyInstance(w http.ResponseWriter, r *http.Request) {
	key, ok := s.keyOr404(w, r, "process instance")
	if !ok {
		return
	}
	k := web.Key(key)
	s.run(w, r, act{title: "Modify instance " + k, confirm: "Modify process instance " + k + " as entered?",
		back: "/instances/" + k, do: func(ctx context.Context, form url.Values) (done, error) {
			req := &gatewaypb.ModifyProcessInstanceRequest{ProcessInstanceKey: key}
			for _, raw := range form["terminate"] {
				if strings.TrimSpace(raw) == "" {
					continue
				}
				t, err := formKey(url.Values{"t": {raw}}, "t", "Element instance", true)
				if err != nil {
					return done{}, err
				}
				req.TerminateInstructions = append(req.TerminateInstructions,
					&gatewaypb.ModifyProcessInstanceRequest_TerminateInstruction{ElementInstanceKey: t})
			}
			if id := strings.TrimSpace(form.Get("activate")); id != "" {
				ancestor, err := formKey(form, "ancestor", "Ancestor element instance", false)
				if err != nil {
					return done{}, err
				}
				vars, err := variablesJSON(form.Get("variables"), "Variables", false)
				if err != nil {
					return done{}, err
				}
				in := &gatewaypb.ModifyProcessInstanceRequest_ActivateInstruction{ElementId: id, AncestorElementInstanceKey: ancestor}
				if vars != "" {
					in.VariableInstructions = append(in.VariableInstructions,
						&gatewaypb.ModifyProcessInstanceRequest_VariableInstruction{Variables: vars})
				}
				req.ActivateInstructions = append(req.ActivateInstructions, in)
			}
			if len(req.TerminateInstructions) == 0 && len(req.ActivateInstructions) == 0 {
				return done{}, invalid("Choose an element instance to terminate, an element to activate, or both.")
			}
			var terminate []int64
			for _, t := range req.TerminateInstructions {
				terminate = append(terminate, t.GetElementInstanceKey())
			}
			shown := s.modified(ctx, key, terminate, strings.TrimSpace(form.Get("activate")))
			_, err := s.gw.ModifyProcessInstance(ctx, req)
			return done{"Instance " + k + " modified.", shown}, err
		}})
}

// resolve gives an incident's job retries (when it has a job) and resolves it. The job
// is looked up in the read model, not taken from the form.
func (s *server) resolve(ctx context.Context, key int64, retries int32) error {
	inc, err := s.q.Incident(ctx, key)
	if err != nil {
		if errors.Is(err, query.ErrNotFound) {
			return invalid("Incident " + web.Key(key) + " is not in the read model.")
		}
		return err
	}
	if inc.JobKey > 0 {
		if _, err := s.gw.UpdateJobRetries(ctx, &gatewaypb.UpdateJobRetriesRequest{JobKey: inc.JobKey, Retries: retries}); err != nil {
			return fmt.Errorf("update retries of job %s: %w", web.Key(inc.JobKey), err)
		}
	}
	_, err = s.gw.ResolveIncident(ctx, &gatewaypb.ResolveIncidentRequest{IncidentKey: key})
	return err
}

func retriesOf(form url.Values) (int32, error) {
	n, err := formInt(form, "retries", "Retries", 1)
	if err == nil && n < 1 {
		return 0, invalid("Retries must be at least 1, or the incident comes back.")
	}
	return n, err
}

func (s *server) resolveIncident(w http.ResponseWriter, r *http.Request) {
	key, ok := s.keyOr404(w, r, "incident")
	if !ok {
		return
	}
	k := web.Key(key)
	s.run(w, r, act{title: "Resolve incident " + k, confirm: "Resolve incident " + k + "? Its job gets the retries entered first.",
		back: "/incidents", do: func(ctx context.Context, form url.Values) (done, error) {
			retries, err := retriesOf(form)
			if err != nil {
				return done{}, err
			}
			return done{"Incident " + k + " resolved.", s.incidentResolved(key)}, s.resolve(ctx, key, retries)
		}})
}

func (s *server) resolveIncidents(w http.ResponseWriter, r *http.Request) {
	s.run(w, r, act{title: "Retry incidents", confirm: "Resolve the selected incidents? Their jobs get the retries entered first.",
		back: "/incidents", do: func(ctx context.Context, form url.Values) (done, error) {
			retries, err := retriesOf(form)
			if err != nil {
				return done{}, err
			}
			keys := form["key"]
			if len(keys) == 0 {
				return done{}, invalid("Select at least one incident.")
			}
			if len(keys) > maxBulk {
				return done{}, invalid(fmt.Sprintf("Select at most %d incidents at once.", maxBulk))
			}
			var failures []string
			var resolved []int64
			for _, raw := range keys {
				key, err := formKey(url.Values{"k": {raw}}, "k", "Incident", true)
				if err == nil {
					err = s.resolve(ctx, key, retries)
				}
				if err != nil {
					failures = append(failures, raw+": "+gatewayMessage(err))
				} else {
					resolved = append(resolved, key)
				}
			}
			if len(failures) > 0 {
				return done{}, invalid(fmt.Sprintf("%d of %d incidents not resolved: %s", len(failures), len(keys),
					strings.Join(failures, "; ")))
			}
			return done{fmt.Sprintf("%d incident(s) resolved.", len(keys)), s.incidentResolved(resolved...)}, nil
		}})
}

func (s *server) completeJob(w http.ResponseWriter, r *http.Request) {
	key, ok := s.keyOr404(w, r, "job")
	if !ok {
		return
	}
	k := web.Key(key)
	s.run(w, r, act{title: "Complete job " + k, confirm: "Complete job " + k + " as a worker would?",
		back: "/jobs/" + k, do: func(ctx context.Context, form url.Values) (done, error) {
			vars, err := variablesJSON(form.Get("variables"), "Variables", false)
			if err != nil {
				return done{}, err
			}
			shown := s.jobChanged(ctx, key)
			_, err = s.gw.CompleteJob(ctx, &gatewaypb.CompleteJobRequest{JobKey: key, Variables: vars})
			return done{"Job " + k + " completed.", shown}, err
		}})
}

func (s *server) failJob(w http.ResponseWriter, r *http.Request) {
	key, ok := s.keyOr404(w, r, "job")
	if !ok {
		return
	}
	k := web.Key(key)
	s.run(w, r, act{title: "Fail job " + k, confirm: "Fail job " + k + "? With no retries left it raises an incident.",
		back: "/jobs/" + k, do: func(ctx context.Context, form url.Values) (done, error) {
			retries, err := formInt(form, "retries", "Retries", 0)
			if err != nil {
				return done{}, err
			}
			backoff, err := formDuration(form, "backoff", "Back-off")
			if err != nil {
				return done{}, err
			}
			shown := s.jobChanged(ctx, key)
			_, err = s.gw.FailJob(ctx, &gatewaypb.FailJobRequest{JobKey: key, Retries: retries,
				ErrorMessage: form.Get("message"), RetryBackOff: backoff.Milliseconds()})
			return done{"Job " + k + " failed.", shown}, err
		}})
}

func (s *server) throwError(w http.ResponseWriter, r *http.Request) {
	key, ok := s.keyOr404(w, r, "job")
	if !ok {
		return
	}
	k := web.Key(key)
	s.run(w, r, act{title: "Throw an error on job " + k, confirm: "Throw the error on job " + k + "?",
		back: "/jobs/" + k, do: func(ctx context.Context, form url.Values) (done, error) {
			code := strings.TrimSpace(form.Get("code"))
			if code == "" {
				return done{}, invalid("An error code is required.")
			}
			vars, err := variablesJSON(form.Get("variables"), "Variables", false)
			if err != nil {
				return done{}, err
			}
			shown := s.jobChanged(ctx, key)
			_, err = s.gw.ThrowError(ctx, &gatewaypb.ThrowErrorRequest{JobKey: key, ErrorCode: code,
				ErrorMessage: form.Get("message"), Variables: vars})
			return done{"Error " + code + " thrown on job " + k + ".", shown}, err
		}})
}

func (s *server) updateRetries(w http.ResponseWriter, r *http.Request) {
	key, ok := s.keyOr404(w, r, "job")
	if !ok {
		return
	}
	k := web.Key(key)
	s.run(w, r, act{title: "Update retries of job " + k, confirm: "Set the retries of job " + k + "?",
		back: "/jobs/" + k, do: func(ctx context.Context, form url.Values) (done, error) {
			retries, err := retriesOf(form)
			if err != nil {
				return done{}, err
			}
			shown := s.jobChanged(ctx, key)
			_, err = s.gw.UpdateJobRetries(ctx, &gatewaypb.UpdateJobRetriesRequest{JobKey: key, Retries: retries})
			return done{fmt.Sprintf("Job %s has %d retries.", k, retries), shown}, err
		}})
}

func (s *server) publishMessage(w http.ResponseWriter, r *http.Request) {
	s.run(w, r, act{title: "Publish message", back: "/messages", do: func(ctx context.Context, form url.Values) (done, error) {
		name := strings.TrimSpace(form.Get("name"))
		if name == "" {
			return done{}, invalid("A message name is required.")
		}
		ttl, err := formDuration(form, "ttl", "Time to live")
		if err != nil {
			return done{}, err
		}
		vars, err := variablesJSON(form.Get("variables"), "Variables", false)
		if err != nil {
			return done{}, err
		}
		resp, err := s.gw.PublishMessage(ctx, &gatewaypb.PublishMessageRequest{Name: name,
			CorrelationKey: form.Get("correlationKey"), TimeToLive: ttl.Milliseconds(), MessageId: form.Get("messageId"),
			Variables: vars})
		if err != nil {
			return done{}, err
		}
		return done{"Message " + name + " published with key " + web.Key(resp.GetKey()) + ".", s.messageStored(resp.GetKey())}, nil
	}})
}
