package main

import (
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/camunda/zeebe/clients/go/v8/pkg/entities"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/weftlabs/weft/web"
)

// browserEnv is weft dev with its SQLite read model and the monitor in front of it,
// the official client, and a headless Chromium on the monitor.
type browserEnv struct {
	*devEnv
	db *sql.DB // the monitor's read model
	b  *monitorBrowser
}

func startBrowserEnv(t *testing.T) *browserEnv {
	t.Helper()
	exe := chromiumPath(t) // before anything starts: a missing browser fails at once
	cfg := devConfig{dataDir: t.TempDir(), readModel: "sqlite"}
	env := startDevEnvWith(t, cfg)
	cfg.monitorAddr = "127.0.0.1:0"
	logs := &syncBuffer{}
	m, err := startDevMonitor(t.Context(), cfg, env.dev.GatewayAddr(), slog.New(slog.NewTextHandler(logs, nil)))
	require.NoError(t, err)
	require.NotNil(t, m, "the monitor is off")
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close the monitor: %v", err)
		}
		if t.Failed() {
			t.Logf("monitor logs:\n%s", logs.tail(16<<10))
		}
	})
	return &browserEnv{devEnv: env, db: m.db, b: startBrowser(t, exe, "http://"+m.Addr())}
}

// on returns the environment with its helpers failing the subtest t.
func (e *browserEnv) on(t *testing.T) *browserEnv {
	d := *e.devEnv
	d.t = t
	return &browserEnv{devEnv: &d, db: e.db, b: e.b}
}

// waitReadModel waits until query, a count, is above zero in the read model.
func (e *browserEnv) waitReadModel(what, query string, args ...any) {
	e.t.Helper()
	eventually(e.t, 10*time.Second, func() bool {
		var n int
		err := e.db.QueryRowContext(e.t.Context(), query, args...).Scan(&n)
		require.NoError(e.t, err, "read model: %s", query)
		return n > 0
	}, "read model: %s", what)
}

// waitJobRow waits until the read model has the job of an instance at an element.
func (e *browserEnv) waitJobRow(instance int64, elementID string) {
	e.t.Helper()
	e.waitReadModel(fmt.Sprintf("job of instance %d at %s", instance, elementID),
		`SELECT count(*) FROM jobs WHERE process_instance_key = ? AND element_id = ?`, instance, elementID)
}

// waitInstanceState waits until the read model shows an instance in state.
func (e *browserEnv) waitInstanceState(instance int64, state string) {
	e.t.Helper()
	e.waitReadModel(fmt.Sprintf("instance %d %s", instance, state),
		`SELECT count(*) FROM process_instances WHERE key = ? AND state = ?`, instance, state)
}

// openIncident waits for the read model's open incident of an instance and returns
// its key.
func (e *browserEnv) openIncident(instance int64) int64 {
	e.t.Helper()
	var key int64
	eventually(e.t, 10*time.Second, func() bool {
		err := e.db.QueryRowContext(e.t.Context(),
			`SELECT key FROM incidents WHERE process_instance_key = ? AND state = 'ACTIVE'`, instance).Scan(&key)
		if errors.Is(err, sql.ErrNoRows) {
			return false
		}
		require.NoError(e.t, err)
		return true
	}, "read model: open incident of instance %d", instance)
	return key
}

// jobOf activates the job of a type that belongs to an instance (other instances'
// jobs of the type that this activates stay activated until their timeout).
func (e *browserEnv) jobOf(instance int64, jobType string) entities.Job {
	e.t.Helper()
	var job entities.Job
	eventually(e.t, 10*time.Second, func() bool {
		for _, j := range e.activate(jobType, 10, time.Minute) {
			if j.ProcessInstanceKey == instance {
				job = j
				return true
			}
		}
		return false
	}, "no job %q of instance %d", jobType, instance)
	return job
}

// element selects the diagram's drawing of a BPMN element, with more CSS (a marker
// class) after the element class.
func element(id, more string) string {
	return fmt.Sprintf(`#diagram svg g.djs-element%s[data-element-id=%q]`, more, id)
}

// badge selects an overlay badge that the monitor puts on a diagram element.
func badge(id, kind string) string {
	return fmt.Sprintf(`#diagram .djs-overlays[data-container-id=%q] .weft-badge-%s`, id, kind)
}

// The monitor in a browser: headless Chromium, driven by chromedp, in front of weft dev
// with its SQLite read model. The diagram is drawn and marked, and the actions that ask
// for confirmation with JavaScript (resolve an incident, set variables, cancel) reach
// the gateway and come back with their flash message.
func TestMonitorBrowser(t *testing.T) {
	start := time.Now()
	env := startBrowserEnv(t)
	b := env.b
	procs := env.deploy("parcel.bpmn")
	processKey := procs["parcel"].GetProcessDefinitionKey()
	t.Logf("weft dev, monitor and Chromium started in %v", time.Since(start).Round(time.Millisecond))

	t.Run("InstanceDiagram", func(t *testing.T) {
		e := env.on(t)
		pi := e.create("parcel", `{"weight": 2}`)
		e.waitJobRow(pi, "pack")
		b.open(t, "/instances/"+web.Key(pi))
		b.do(t, "draw the diagram",
			chromedp.WaitVisible(chromedp.CSS("#diagram.diagram-drawn")),
			chromedp.WaitVisible(chromedp.CSS(element("pack", ".djs-shape"))),
			chromedp.WaitVisible(chromedp.CSS(element("ship", ".djs-shape"))))
		b.do(t, "mark the instance's progress",
			chromedp.WaitVisible(chromedp.CSS(element("pack", ".weft-active"))),
			chromedp.WaitVisible(chromedp.CSS(element("received", ".weft-done"))),
			chromedp.WaitVisible(chromedp.CSS(element("toPack", ".weft-taken"))))
		require.Equal(t, "1", b.text(t, badge("pack", "active")), "active badge of pack")
		// Only the elements the instance reached are marked, and the active task's
		// marker shows: its outline is drawn in another colour than a plain task's.
		marked := browse(t, b, "read the markers", chromedp.Evaluate[[]string](`
			Array.from(document.querySelectorAll('#diagram g.djs-element'))
				.filter(g => /weft-/.test(g.getAttribute('class')))
				.map(g => g.getAttribute('data-element-id') + ' ' + g.getAttribute('class').match(/weft-[a-z]+/g).join(' '))
				.sort()`))
		require.Equal(t, []string{"pack weft-active", "received weft-done", "toPack weft-taken"}, marked)
		strokes := browse(t, b, "read the outlines", chromedp.Evaluate[[]string](`
			['pack', 'ship'].map(id => getComputedStyle(document.querySelector(
				'#diagram g.djs-element[data-element-id="' + id + '"] .djs-visual > :first-child')).stroke)`))
		require.NotEqual(t, strokes[1], strokes[0], "the active task's outline looks like a plain task's")
		b.screenshot(t, "instance-active")
		b.requireNoJSErrors(t, "instance page")
	})

	t.Run("ResolveIncident", func(t *testing.T) {
		e := env.on(t)
		pi := e.create("parcel", `{"weight": 40}`)
		job := e.jobOf(pi, "browser-pack")
		_, err := e.client.NewFailJobCommand().JobKey(job.Key).Retries(0).ErrorMessage("scale out of order").Send(e.ctx(10 * time.Second))
		require.NoError(t, err)
		incident := e.openIncident(pi)
		ik := web.Key(incident)

		// The instance's page shows the incident on the task.
		b.open(t, "/instances/"+web.Key(pi))
		b.do(t, "mark the incident",
			chromedp.WaitVisible(chromedp.CSS("#diagram.diagram-drawn")),
			chromedp.WaitVisible(chromedp.CSS(element("pack", ".weft-incident"))),
			chromedp.WaitVisible(chromedp.CSS(badge("pack", "incident"))))
		require.Contains(t, b.text(t, `#incidents tr[data-testid="incident-row"][data-key="`+ik+`"]`), "scale out of order")
		b.screenshot(t, "instance-incident")
		b.requireNoJSErrors(t, "instance page with an incident")

		// Resolve it from the incident list, giving the job two retries.
		b.open(t, "/incidents")
		row := `#incidents-table tr[data-testid="incident-row"][data-key="` + ik + `"]`
		require.Contains(t, b.text(t, row+" td.message"), "scale out of order")
		b.do(t, "enter the retries", chromedp.SetValue(chromedp.ID("retries-"+ik), "2"))
		b.screenshot(t, "incidents")
		b.clickConfirm(t, `[data-testid="resolve-`+ik+`-submit"]`, "Resolve incident "+ik+"?")
		require.Equal(t, "Incident "+ik+" resolved.", b.text(t, "#flash.flash-success"))
		b.screenshot(t, "incident-resolved")
		b.requireNoJSErrors(t, "incident list")

		// The job is back with the retries entered; a worker completes the instance.
		again := e.jobOf(pi, "browser-pack")
		require.Equal(t, job.Key, again.Key)
		require.EqualValues(t, 2, again.Retries, "retries the monitor gave the job")
		e.complete(again.Key, "")
		e.complete(e.jobOf(pi, "browser-ship").Key, "")
		e.waitInstanceState(pi, "COMPLETED")
		e.waitReadModel("incident resolved", `SELECT count(*) FROM incidents WHERE key = ? AND state = 'RESOLVED'`, incident)

		b.open(t, "/instances/"+web.Key(pi))
		require.Equal(t, "COMPLETED", b.text(t, "#instance-state"))
		b.do(t, "mark the completed instance",
			chromedp.WaitVisible(chromedp.CSS(element("delivered", ".weft-done"))),
			chromedp.WaitVisible(chromedp.CSS(element("toDelivered", ".weft-taken"))),
			chromedp.WaitNotPresent(chromedp.CSS("#diagram .weft-incident")),
			chromedp.WaitNotPresent(chromedp.CSS("#actions")))
		b.screenshot(t, "instance-completed")
		b.requireNoJSErrors(t, "completed instance")
	})

	t.Run("SetVariables", func(t *testing.T) {
		e := env.on(t)
		pi := e.create("parcel", `{"weight": 3, "note": "fragile"}`)
		e.waitJobRow(pi, "pack")
		b.open(t, "/instances/"+web.Key(pi))
		weight := `#variables tr[data-testid="variable-row"][data-key="weight"] pre`
		require.Equal(t, "3", b.text(t, weight))
		b.do(t, "enter the variables", chromedp.SendKeys(chromedp.ID("variables-json"), `{"weight": 5}`))
		b.screenshot(t, "variables-entered")
		b.clickConfirm(t, `[data-testid="set-variables-submit"]`, "Set these variables?")
		require.Equal(t, "Variables set on scope "+web.Key(pi)+".", b.text(t, "#flash.flash-success"))
		// The monitor waited for the read model: the page it came back to shows the
		// new value, and the diagram with its markers.
		require.Equal(t, "5", b.text(t, weight))
		b.do(t, "mark the diagram again",
			chromedp.WaitVisible(chromedp.CSS(element("pack", ".weft-active"))),
			chromedp.WaitVisible(chromedp.CSS(badge("pack", "active"))))
		// A refresh of the live parts swaps the diagram's states; the markers are put back.
		refreshed := browse(t, b, "refresh the live parts", chromedp.Evaluate[int](`(() => {
			const live = document.querySelectorAll('.live');
			window.weftTestSwaps = 0;
			document.body.addEventListener('htmx:afterSwap', () => { window.weftTestSwaps++; });
			live.forEach(el => htmx.trigger(el, 'weftRefresh'));
			return live.length; })()`))
		require.Positive(t, refreshed, "live parts on the instance page")
		b.do(t, "swap the live parts", chromedp.Poll[chromedp.Void](fmt.Sprintf(`window.weftTestSwaps >= %d`, refreshed),
			chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(browserStepTimeout)))
		b.do(t, "keep the markers through a refresh",
			chromedp.WaitVisible(chromedp.CSS(element("pack", ".weft-active"))),
			chromedp.WaitVisible(chromedp.CSS(badge("pack", "active"))))
		require.Equal(t, `"fragile"`, b.text(t, `#variables tr[data-testid="variable-row"][data-key="note"] pre`))
		b.screenshot(t, "variables-set")
		b.requireNoJSErrors(t, "instance page after setting variables")
	})

	t.Run("CancelInstance", func(t *testing.T) {
		e := env.on(t)
		pi := e.create("parcel", `{"weight": 7}`)
		e.waitJobRow(pi, "pack")
		k := web.Key(pi)
		b.open(t, "/instances/"+k)
		require.Equal(t, "ACTIVE", b.text(t, "#instance-state"))
		b.clickConfirm(t, `[data-testid="cancel-instance-submit"]`, "Cancel instance "+k+"?")
		require.Equal(t, "Instance "+k+" canceled.", b.text(t, "#flash.flash-success"))
		require.Equal(t, "TERMINATED", b.text(t, "#instance-state"), "the page after the action")
		b.screenshot(t, "instance-canceled")
		e.waitInstanceState(pi, "TERMINATED")
		b.open(t, "/instances/"+k)
		require.Equal(t, "TERMINATED", b.text(t, "#instance-state"))
		b.do(t, "mark the terminated task",
			chromedp.WaitVisible(chromedp.CSS(element("pack", ".weft-terminated"))),
			chromedp.WaitVisible(chromedp.CSS(badge("pack", "terminated"))))
		b.screenshot(t, "instance-canceled-diagram")
		b.do(t, "no actions on an ended instance", chromedp.WaitNotPresent(chromedp.CSS("#actions")))
		b.requireNoJSErrors(t, "canceled instance")
	})

	t.Run("Pages", func(t *testing.T) {
		e := env.on(t)
		dmn, err := e.client.NewDeployResourceCommand().AddResourceFile(modelPath("dish.dmn")).Send(e.ctx(10 * time.Second))
		require.NoError(t, err)
		var decisionKey int64
		for _, d := range dmn.GetDeployments() {
			if d.GetDecision().GetDmnDecisionId() == "dish" {
				decisionKey = d.GetDecision().GetDecisionKey()
			}
		}
		require.Positive(t, decisionKey, "decision dish deployed")
		_, err = e.client.NewPublishMessageCommand().MessageName("parcel-arrived").CorrelationKey("p-1").
			TimeToLive(time.Minute).Send(e.ctx(10 * time.Second))
		require.NoError(t, err)
		e.waitReadModel("the message", `SELECT count(*) FROM messages WHERE name = 'parcel-arrived'`)
		e.waitReadModel("the decision", `SELECT count(*) FROM decisions WHERE key = ?`, decisionKey)

		for _, p := range []struct{ path, heading string }{
			{"/", "Dashboard"},
			{"/processes", "Processes"},
			{"/processes/" + web.Key(processKey), "parcel"},
			{"/instances", "Process instances"},
			{"/incidents", "Incidents"},
			{"/jobs", "Jobs"},
			{"/messages", "Messages"},
			{"/decisions", "Decisions"},
			{"/decisions/" + web.Key(decisionKey), "Dish"},
		} {
			b.open(t, p.path)
			require.Contains(t, b.text(t, "#main h1"), p.heading, "heading of %s", p.path)
			// The scripts ran: htmx and the monitor's own.
			b.do(t, "scripts of "+p.path, chromedp.Poll[chromedp.Void](
				`typeof window.htmx === 'object' && typeof window.weftLiveOK === 'function'`,
				chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(browserStepTimeout)))
			if p.path == "/" {
				require.Contains(t, b.text(t, "#main p.summary"), "replication factor 1, gateway ", "cluster summary")
			}
			if p.path == "/processes/"+web.Key(processKey) {
				b.do(t, "draw the process",
					chromedp.WaitVisible(chromedp.CSS("#diagram.diagram-drawn")),
					chromedp.WaitVisible(chromedp.CSS(badge("pack", "active"))))
			}
			b.screenshot(t, "page"+p.path)
			b.requireNoJSErrors(t, p.path)
		}
	})
	t.Logf("browser tests took %v", time.Since(start).Round(time.Millisecond))
}
