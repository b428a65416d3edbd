// Package components holds the monitor's pages as templ components: one .templ file
// per area, generated into *_templ.go by web/generate.sh. Pages work without
// JavaScript (plain links and forms); with it, htmx refreshes the parts that show
// running work and asks before destructive actions, and the BPMN viewer draws the
// diagrams.
//
// Stable hooks for browser tests: every page's main table and form has an id and a
// data-testid; rows carry data-key with the entity's key.
package components

import (
	"github.com/weftlabs/weft/web"
)

// Page is what every page's frame needs.
type Page struct {
	Title string
	// Section is the navigation entry to mark current: dashboard, processes,
	// instances, incidents, jobs, messages, decisions.
	Section string
	Flash   *Flash
	// Diagram loads the BPMN viewer's scripts and styles.
	Diagram bool
	// Path is the page's own URL (path and query), which its live parts poll.
	Path string
}

// Flash is a one-time message after an action: Kind is "success" or "error".
type Flash struct {
	Kind    string
	Message string
}

// Pager links to the neighbouring pages of a list; "" where the list ends.
type Pager struct {
	Newer string
	Older string
	First string
}

// Option is a choice of a select box.
type Option struct {
	Value    string
	Label    string
	Selected bool
}

// DashboardView is the data of the dashboard.
type DashboardView struct {
	Counts    web.Counts
	CountsErr string
	Topology  web.Topology
	Incidents []web.Incident
}

// ProcessView is the data of one process definition's page.
type ProcessView struct {
	Process     web.Process
	Elements    []web.Element
	State       web.DiagramState
	Versions    []web.Process
	StartEvents []web.StartEvent // message and signal start events
	Err         string           // why the element list is missing
}

// InstanceFilterForm holds the instance filter as typed, to fill the form again.
type InstanceFilterForm struct {
	Process   string
	Version   string
	State     string
	From      string
	To        string
	VarName   string
	VarValue  string
	Processes []Option
	States    []Option
}

// InstancesView is the data of the instance list.
type InstancesView struct {
	Filter    InstanceFilterForm
	Instances []web.ProcessInstance
	Pager     Pager
	Err       string
}

// InstanceView is the data of one instance's page.
type InstanceView struct {
	Instance      web.ProcessInstance
	Process       web.Process
	Elements      []web.Element
	State         web.DiagramState
	ElementsOf    []web.ElementInstance
	Scopes        []web.Scope
	Incidents     []web.Incident
	Jobs          []web.Job
	Timers        []web.Timer
	Subscriptions []web.MessageSubscription
	Signals       []web.SignalSubscription
	Evaluations   []web.DecisionEvaluation
	Children      []web.ProcessInstance
	Parent        *web.ProcessInstance
	History       []web.HistoryRecord
	HistoryMore   string // URL of the next page of history, "" at the end
	Activatable   []web.Element
}

// IncidentsView is the data of the incident list.
type IncidentsView struct {
	State      string
	Process    string
	ErrorType  string
	States     []Option
	ErrorTypes []Option
	Incidents  []web.Incident
	Pager      Pager
	Err        string
}

// JobsView is the data of the job list.
type JobsView struct {
	Type   string
	State  string
	States []Option
	Jobs   []web.Job
	Pager  Pager
	Err    string
}

// MessagesView is the data of the message list and the publish form.
type MessagesView struct {
	Name           string
	CorrelationKey string
	State          string
	States         []Option
	Messages       []web.Message
	Pager          Pager
	Err            string
	// Starts are the message start events that wait for a message.
	Starts []web.StartEvent
}

// DecisionView is the data of one decision's page.
type DecisionView struct {
	Decision    web.Decision
	Logic       web.DecisionLogic
	Evaluations []web.DecisionEvaluation
	Pager       Pager
}

// ConfirmView asks to confirm an action: it posts Fields again to Action, with
// confirmed=yes.
type ConfirmView struct {
	Title   string
	Message string
	Action  string
	Fields  []Field
	Back    string
}

// Field is a form field carried through a confirmation.
type Field struct {
	Name  string
	Value string
}
