package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/weftlabs/weft/exporters/readmodel"
	"github.com/weftlabs/weft/monitor/bpmn"
	"github.com/weftlabs/weft/monitor/dmn"
	"github.com/weftlabs/weft/monitor/query"
	"github.com/weftlabs/weft/proto/gen/gatewaypb"
	"github.com/weftlabs/weft/web"
	"github.com/weftlabs/weft/web/components"
)

// dashboardIncidents is how many open incidents the dashboard lists.
const dashboardIncidents = 5

func (s *server) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	var v components.DashboardView
	counts, err := s.q.Counts(ctx)
	if err != nil {
		s.log.Error("dashboard counts", "error", err)
		v.CountsErr = "The read model could not be read: " + err.Error()
	}
	v.Counts = counts
	v.Topology = s.topology(ctx)
	v.Incidents, _, err = s.q.Incidents(ctx, query.IncidentFilter{State: readmodel.StateActive}, query.PageRequest{Limit: dashboardIncidents})
	if err != nil {
		s.log.Error("dashboard incidents", "error", err)
	}
	s.render(w, r, http.StatusOK, components.Dashboard(s.page(w, r, "Dashboard", "dashboard"), v))
}

// topology asks the gateway for the cluster's topology.
func (s *server) topology(ctx context.Context) web.Topology {
	if s.gw == nil {
		return web.Topology{Err: "no gateway is configured"}
	}
	ctx, cancel := context.WithTimeout(ctx, s.topologyTimeout)
	defer cancel()
	resp, err := s.gw.Topology(ctx, &gatewaypb.TopologyRequest{})
	if err != nil {
		return web.Topology{Err: gatewayMessage(err)}
	}
	t := web.Topology{ClusterSize: resp.GetClusterSize(), PartitionsCount: resp.GetPartitionsCount(),
		ReplicationFactor: resp.GetReplicationFactor(), GatewayVersion: resp.GetGatewayVersion()}
	for _, b := range resp.GetBrokers() {
		wb := web.Broker{NodeID: b.GetNodeId(), Address: b.GetHost() + ":" + strconv.Itoa(int(b.GetPort())), Version: b.GetVersion()}
		for _, p := range b.GetPartitions() {
			wb.Partitions = append(wb.Partitions, web.PartitionRole{ID: p.GetPartitionId(), Role: p.GetRole().String(),
				Health: p.GetHealth().String()})
		}
		t.Brokers = append(t.Brokers, wb)
	}
	return t
}

func (s *server) processes(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	ps, err := s.q.Processes(ctx)
	if err != nil {
		s.fail(w, r, "processes", err)
		return
	}
	s.render(w, r, http.StatusOK, components.Processes(s.page(w, r, "Processes", "processes"), ps))
}

// pathKey reads the {key} of the path; a key that is not a positive number is a
// missing entity.
func pathKey(r *http.Request, what string) (int64, error) {
	raw := r.PathValue("key")
	k, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || k <= 0 {
		return 0, fmt.Errorf("%s %q: %w", what, raw, query.ErrNotFound)
	}
	return k, nil
}

func (s *server) process(w http.ResponseWriter, r *http.Request) {
	key, err := pathKey(r, "process definition")
	if err != nil {
		s.fail(w, r, "processes", err)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	p, err := s.q.Process(ctx, key)
	if err != nil {
		s.fail(w, r, "processes", err)
		return
	}
	v := components.ProcessView{Process: p}
	if v.Elements, err = bpmn.Elements([]byte(p.XML)); err != nil {
		v.Err = "The BPMN XML could not be read: " + err.Error()
	}
	if v.State, err = s.q.ProcessDiagram(ctx, p); err != nil {
		s.fail(w, r, "processes", err)
		return
	}
	if v.Versions, err = s.q.ProcessVersions(ctx, p.BpmnProcessID); err != nil {
		s.fail(w, r, "processes", err)
		return
	}
	if v.StartEvents, err = s.q.StartEvents(ctx, p.Key); err != nil {
		s.fail(w, r, "processes", err)
		return
	}
	pg := s.page(w, r, p.BpmnProcessID+" v"+strconv.Itoa(int(p.Version)), "processes")
	pg.Diagram = true
	s.render(w, r, http.StatusOK, components.Process(pg, v))
}

func (s *server) processXML(w http.ResponseWriter, r *http.Request) {
	key, err := pathKey(r, "process definition")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	p, err := s.q.Process(ctx, key)
	if errors.Is(err, query.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.log.Error("process xml", "key", key, "error", err)
		http.Error(w, "the read model could not be read", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	// A definition never changes once deployed.
	w.Header().Set("Cache-Control", "private, max-age=86400, immutable")
	w.Write([]byte(p.XML))
}

// pageRequest reads the keyset cursors after and before of the query.
func pageRequest(r *http.Request) query.PageRequest {
	var p query.PageRequest
	if c, ok := query.ParseCursor(r.URL.Query().Get("after")); ok {
		p.After = &c
	}
	if c, ok := query.ParseCursor(r.URL.Query().Get("before")); ok {
		p.Before = &c
	}
	return p
}

// pager links to the neighbouring pages: the request's URL with after or before set.
func pager(r *http.Request, pg query.Page) components.Pager {
	link := func(param string, c *query.Cursor) string {
		if c == nil {
			return ""
		}
		q := r.URL.Query()
		q.Del("after")
		q.Del("before")
		q.Set(param, c.String())
		return r.URL.Path + "?" + q.Encode()
	}
	first := r.URL.Query()
	first.Del("after")
	first.Del("before")
	out := components.Pager{Newer: link("before", pg.Newer), Older: link("after", pg.Older), First: r.URL.Path}
	if len(first) > 0 {
		out.First += "?" + first.Encode()
	}
	return out
}

// options makes select box choices; the first is "any" with an empty value.
func options(selected string, anyLabel string, values ...string) []components.Option {
	out := []components.Option{{Value: "", Label: anyLabel, Selected: selected == ""}}
	for _, v := range values {
		out = append(out, components.Option{Value: v, Label: v, Selected: v == selected})
	}
	return out
}

// dateLayouts are what <input type=datetime-local> sends, with and without seconds.
var dateLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339, "2006-01-02"}

func parseDate(s string) (time.Time, error) {
	for _, l := range dateLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time (YYYY-MM-DDTHH:MM)", s)
}

func (s *server) instances(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	q := r.URL.Query()
	form := components.InstanceFilterForm{Process: q.Get("process"), Version: q.Get("version"), State: q.Get("state"),
		From: q.Get("from"), To: q.Get("to"), VarName: q.Get("var"), VarValue: q.Get("value")}
	var v components.InstancesView
	var problems []string
	f := query.InstanceFilter{BpmnProcessID: form.Process, VariableName: form.VarName}
	if form.Version != "" {
		n, err := strconv.ParseInt(form.Version, 10, 32)
		if err != nil || n < 1 {
			problems = append(problems, "version "+strconv.Quote(form.Version)+" is not a positive number")
		} else {
			f.Version = int32(n)
		}
	}
	switch form.State {
	case "", query.StateActive, query.StateCompleted, query.StateTerminated, query.StateIncident:
		f.State = form.State
	default:
		problems = append(problems, "state "+strconv.Quote(form.State)+" is not one of the choices")
	}
	for _, d := range []struct {
		in  string
		out *time.Time
	}{{form.From, &f.From}, {form.To, &f.To}} {
		if d.in == "" {
			continue
		}
		t, err := parseDate(d.in)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		*d.out = t
	}
	if form.VarName != "" {
		f.VariableValue = query.VariableJSON(form.VarValue)
	}
	ids, err := s.q.ProcessIDs(ctx)
	if err != nil {
		s.fail(w, r, "instances", err)
		return
	}
	form.Processes = options(form.Process, "any process", ids...)
	form.States = options(form.State, "any state", query.StateActive, query.StateIncident, query.StateCompleted, query.StateTerminated)
	v.Filter = form
	if len(problems) > 0 {
		v.Err = "Filter not applied: " + joinProblems(problems)
	} else {
		items, pg, err := s.q.Instances(ctx, f, pageRequest(r))
		if err != nil {
			s.fail(w, r, "instances", err)
			return
		}
		v.Instances, v.Pager = items, pager(r, pg)
	}
	s.render(w, r, http.StatusOK, components.Instances(s.page(w, r, "Instances", "instances"), v))
}

func joinProblems(ps []string) string {
	var b bytes.Buffer
	for i, p := range ps {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p)
	}
	b.WriteString(".")
	return b.String()
}

// historyPage is how many records of an instance's history a page shows.
const historyPage = 200

func (s *server) instance(w http.ResponseWriter, r *http.Request) {
	key, err := pathKey(r, "process instance")
	if err != nil {
		s.fail(w, r, "instances", err)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	v, err := s.instanceView(ctx, r, key)
	if err != nil {
		s.fail(w, r, "instances", err)
		return
	}
	pg := s.page(w, r, "Instance "+web.Key(key), "instances")
	pg.Diagram = true
	s.render(w, r, http.StatusOK, components.Instance(pg, v))
}

func (s *server) instanceView(ctx context.Context, r *http.Request, key int64) (components.InstanceView, error) {
	var v components.InstanceView
	var err error
	if v.Instance, err = s.q.Instance(ctx, key); err != nil {
		return v, err
	}
	v.Process, err = s.q.Process(ctx, v.Instance.ProcessDefinitionKey)
	if err != nil && !errors.Is(err, query.ErrNotFound) {
		return v, err
	}
	v.Elements, _ = bpmn.Elements([]byte(v.Process.XML)) // a bad document lists what it can
	for _, e := range v.Elements {
		if e.Type != "sequenceFlow" {
			v.Activatable = append(v.Activatable, e)
		}
	}
	steps := []func() error{
		func() (err error) { v.State, err = s.q.InstanceDiagram(ctx, key); return },
		func() (err error) { v.ElementsOf, err = s.q.ElementInstances(ctx, key); return },
		func() (err error) { v.Scopes, err = s.q.Scopes(ctx, key); return },
		func() (err error) { v.Incidents, err = s.q.InstanceIncidents(ctx, key); return },
		func() (err error) { v.Jobs, err = s.q.InstanceJobs(ctx, key); return },
		func() (err error) { v.Timers, err = s.q.InstanceTimers(ctx, key); return },
		func() (err error) { v.Subscriptions, err = s.q.InstanceSubscriptions(ctx, key); return },
		func() (err error) { v.Signals, err = s.q.InstanceSignalSubscriptions(ctx, key); return },
		func() (err error) {
			v.Evaluations, _, err = s.q.Evaluations(ctx, query.EvaluationFilter{ProcessInstanceKey: key}, query.PageRequest{Limit: query.MaxLimit})
			return
		},
		func() (err error) { v.Children, err = s.q.ChildInstances(ctx, key, query.MaxLimit); return },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return v, err
		}
	}
	if pk := v.Instance.ParentProcessInstanceKey; pk > 0 {
		if parent, err := s.q.Instance(ctx, pk); err == nil {
			v.Parent = &parent
		} else if !errors.Is(err, query.ErrNotFound) {
			return v, err
		}
	}
	after, _ := query.ParseCursor(r.URL.Query().Get("history"))
	hist, more, err := s.q.History(ctx, key, after, historyPage)
	if err != nil {
		return v, err
	}
	v.History = hist
	if more {
		last := hist[len(hist)-1]
		v.HistoryMore = r.URL.Path + "?" + url.Values{"history": {query.Cursor{Time: int64(last.PartitionID), Key: last.Position}.String()}}.Encode() + "#history"
	}
	return v, nil
}

// incidentErrorTypes are the error types of Zeebe's incidents, for the filter.
var incidentErrorTypes = []string{
	"JOB_NO_RETRIES", "CONDITION_ERROR", "EXTRACT_VALUE_ERROR", "IO_MAPPING_ERROR", "UNHANDLED_ERROR_EVENT",
	"CALLED_ELEMENT_ERROR", "CALLED_DECISION_ERROR", "DECISION_EVALUATION_ERROR", "FORM_NOT_FOUND",
	"MESSAGE_SIZE_EXCEEDED", "RESOURCE_NOT_FOUND", "UNKNOWN",
}

func (s *server) incidents(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	q := r.URL.Query()
	state := readmodel.StateActive // the page opens on what needs attention
	if q.Has("state") {
		state = q.Get("state")
	}
	v := components.IncidentsView{State: state, Process: q.Get("process"), ErrorType: q.Get("errorType")}
	v.States = options(state, "any state", readmodel.StateActive, readmodel.StateResolved)
	v.ErrorTypes = options(v.ErrorType, "any type", incidentErrorTypes...)
	if state != "" && state != readmodel.StateActive && state != readmodel.StateResolved {
		v.Err = "Filter not applied: state " + strconv.Quote(state) + " is not one of the choices."
	} else {
		items, pg, err := s.q.Incidents(ctx, query.IncidentFilter{State: state, BpmnProcessID: v.Process, ErrorType: v.ErrorType}, pageRequest(r))
		if err != nil {
			s.fail(w, r, "incidents", err)
			return
		}
		v.Incidents, v.Pager = items, pager(r, pg)
	}
	s.render(w, r, http.StatusOK, components.Incidents(s.page(w, r, "Incidents", "incidents"), v))
}

// jobStates are the job states the filter offers.
var jobStates = []string{query.StateActivatable, "CREATED", "ACTIVATED", "FAILED", "TIMED_OUT", "COMPLETED",
	"ERROR_THROWN", "CANCELED"}

func (s *server) jobs(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	q := r.URL.Query()
	v := components.JobsView{Type: q.Get("type"), State: q.Get("state")}
	v.States = options(v.State, "any state", jobStates...)
	items, pg, err := s.q.Jobs(ctx, query.JobFilter{Type: v.Type, State: v.State}, pageRequest(r))
	if err != nil {
		s.fail(w, r, "jobs", err)
		return
	}
	v.Jobs, v.Pager = items, pager(r, pg)
	s.render(w, r, http.StatusOK, components.Jobs(s.page(w, r, "Jobs", "jobs"), v))
}

func (s *server) job(w http.ResponseWriter, r *http.Request) {
	key, err := pathKey(r, "job")
	if err != nil {
		s.fail(w, r, "jobs", err)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	j, err := s.q.Job(ctx, key)
	if err != nil {
		s.fail(w, r, "jobs", err)
		return
	}
	s.render(w, r, http.StatusOK, components.Job(s.page(w, r, "Job "+web.Key(key), "jobs"), j))
}

// maxMessageStarts bounds the message start events the message page lists.
const maxMessageStarts = 200

func (s *server) messages(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	q := r.URL.Query()
	v := components.MessagesView{Name: q.Get("name"), CorrelationKey: q.Get("correlationKey"), State: q.Get("state")}
	v.States = options(v.State, "any state", readmodel.StatePublished, readmodel.StateCorrelated, readmodel.StateExpired)
	items, pg, err := s.q.Messages(ctx, query.MessageFilter{Name: v.Name, CorrelationKey: v.CorrelationKey, State: v.State}, pageRequest(r))
	if err != nil {
		s.fail(w, r, "messages", err)
		return
	}
	v.Messages, v.Pager = items, pager(r, pg)
	if v.Starts, err = s.q.WaitingMessageStarts(ctx, maxMessageStarts); err != nil {
		s.fail(w, r, "messages", err)
		return
	}
	s.render(w, r, http.StatusOK, components.Messages(s.page(w, r, "Messages", "messages"), v))
}

func (s *server) decisions(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.ctx(r)
	defer cancel()
	ds, err := s.q.Decisions(ctx)
	if err != nil {
		s.fail(w, r, "decisions", err)
		return
	}
	s.render(w, r, http.StatusOK, components.Decisions(s.page(w, r, "Decisions", "decisions"), ds))
}

func (s *server) decision(w http.ResponseWriter, r *http.Request) {
	key, err := pathKey(r, "decision")
	if err != nil {
		s.fail(w, r, "decisions", err)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	d, doc, err := s.q.Decision(ctx, key)
	if err != nil {
		s.fail(w, r, "decisions", err)
		return
	}
	v := components.DecisionView{Decision: d}
	if doc == "" {
		v.Logic.Err = "The decision requirements graph of this decision is not in the read model."
	} else if v.Logic, err = dmn.Logic([]byte(doc), d.DecisionID); err != nil {
		v.Logic.Err = "The DMN XML could not be read: " + err.Error()
	}
	items, pg, err := s.q.Evaluations(ctx, query.EvaluationFilter{DecisionKey: key}, pageRequest(r))
	if err != nil {
		s.fail(w, r, "decisions", err)
		return
	}
	v.Evaluations, v.Pager = items, pager(r, pg)
	s.render(w, r, http.StatusOK, components.Decision(s.page(w, r, d.Name+" v"+strconv.Itoa(int(d.Version)), "decisions"), v))
}

func (s *server) evaluation(w http.ResponseWriter, r *http.Request) {
	key, err := pathKey(r, "decision evaluation")
	if err != nil {
		s.fail(w, r, "decisions", err)
		return
	}
	ctx, cancel := s.ctx(r)
	defer cancel()
	e, err := s.q.Evaluation(ctx, key)
	if err != nil {
		s.fail(w, r, "decisions", err)
		return
	}
	evaluated := e.EvaluatedDecisions
	var buf bytes.Buffer
	if json.Indent(&buf, []byte(evaluated), "", "  ") == nil {
		evaluated = buf.String()
	}
	s.render(w, r, http.StatusOK, components.Evaluation(s.page(w, r, "Evaluation "+web.Key(key), "decisions"), e, evaluated))
}
