package exporting

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	metricPosition = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "weft_exporter_position",
		Help: "The last position the exporter acknowledged on the partition.",
	}, []string{"partition", "exporter"})
	metricLag = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "weft_exporter_lag_records",
		Help: "Records of the partition the exporter has not acknowledged yet.",
	}, []string{"partition", "exporter"})
	metricStuck = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "weft_exporter_stuck",
		Help: "1 while the exporter's position has not moved for the stuck interval while records wait.",
	}, []string{"partition", "exporter"})
	metricExported = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "weft_exporter_exported_records_total",
		Help: "Records handed to the exporter and taken by it.",
	}, []string{"partition", "exporter"})
	metricFailures = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "weft_exporter_failures_total",
		Help: "Failed attempts to open the exporter or to export a record (each is retried).",
	}, []string{"partition", "exporter"})
)
