package main

import (
	"fmt"
	"strings"

	// kube-apiserver embeds the time zone database for cron jobs' timeZone; so does this
	// program, so that time.LoadLocation falls back to it as upstream's server does.
	_ "time/tzdata"
)

// jobLabels are the labels the job strategy generates on the template of jobBase (name j,
// uid u1), which an update (not prepared for create) must carry itself.
const jobLabels = `{"labels":{"batch.kubernetes.io/controller-uid":"u1","batch.kubernetes.io/job-name":"j","controller-uid":"u1","job-name":"j"}}`

// jobSelector is the selector the job strategy generates for jobBase.
const jobSelector = `{"matchLabels":{"batch.kubernetes.io/controller-uid":"u1"}}`

// jobStored is jobBase as a client sends it back on update: generated selector and labels.
var jobStored = with(jobBase, "spec.selector", jobSelector, "spec.template.metadata", jobLabels)

// jobIndexed is an indexed job with per-index backoff.
var jobIndexed = with(jobBase, "spec.completionMode", `"Indexed"`, "spec.completions", `4`, "spec.parallelism", `2`)

// pfp is a job with the pod failure policy rules given (as JSON).
func pfp(rules string) string {
	return with(jobBase, "spec.podFailurePolicy", `{"rules":`+rules+`}`)
}

// cronSchedule is cronBase with the schedule given.
func cronSchedule(schedule string) string {
	return with(cronBase, "spec.schedule", fmt.Sprintf("%q", schedule))
}

// batchCases are the jobs' and cron jobs' cases.
func batchCases() []kindCase {
	manyRules := "[" + strings.TrimSuffix(strings.Repeat(`{"action":"Ignore","onExitCodes":{"operator":"In","values":[1]}},`, 21), ",") + "]"
	return []kindCase{
		create("job valid", jobBase),
		create("job restart policy always", with(jobBase, "spec.template.spec.restartPolicy", `"Always"`)),
		create("job parallelism negative", with(jobBase, "spec.parallelism", `-1`)),
		create("job completions negative", with(jobBase, "spec.completions", `-1`)),
		create("job backoff negative", with(jobBase, "spec.backoffLimit", `-1`)),
		create("job active deadline zero", with(jobBase, "spec.activeDeadlineSeconds", `0`)),
		create("job ttl negative", with(jobBase, "spec.ttlSecondsAfterFinished", `-1`)),
		create("job manual selector mismatch", with(jobBase, "spec.manualSelector", `true`, "spec.selector", `{"matchLabels":{"a":"b"}}`, "spec.template.metadata", `{"labels":{"a":"c"}}`)),
		update("job update image", with(jobBase, "spec.template.spec.containers.0.image", `"busybox:2"`), jobBase),
		update("job update parallelism", with(jobBase, "spec.parallelism", `3`), jobBase),
		update("job update completions", with(jobBase, "spec.completions", `3`), jobBase),
		create("cronjob valid", cronBase),
		create("cronjob schedule bad", with(cronBase, "spec.schedule", `"bad"`)),
		create("cronjob schedule empty", with(cronBase, "spec.schedule", `""`)),
		create("cronjob schedule tz", with(cronBase, "spec.schedule", `"TZ=UTC */5 * * * *"`)),
		create("cronjob schedule macro", with(cronBase, "spec.schedule", `"@hourly"`)),
		create("cronjob time zone bad", with(cronBase, "spec.timeZone", `"Mars/Olympus"`)),
		create("cronjob time zone valid", with(cronBase, "spec.timeZone", `"Europe/Paris"`)),
		create("cronjob concurrency bad", with(cronBase, "spec.concurrencyPolicy", `"Foo"`)),
		create("cronjob starting deadline negative", with(cronBase, "spec.startingDeadlineSeconds", `-1`)),
		create("cronjob history negative", with(cronBase, "spec.successfulJobsHistoryLimit", `-1`)),
		create("cronjob restart always", with(cronBase, "spec.jobTemplate.spec.template.spec.restartPolicy", `"Always"`)),
		update("cronjob update schedule", with(cronBase, "spec.schedule", `"0 * * * *"`), cronBase),
		update("cronjob update schedule bad", with(cronBase, "spec.schedule", `"bad"`), cronBase),

		// Jobs: ranges, completion modes, per-index backoff.
		create("job active deadline negative", with(jobBase, "spec.activeDeadlineSeconds", `-5`)),
		create("job ttl zero", with(jobBase, "spec.ttlSecondsAfterFinished", `0`)),
		create("job suspended", with(jobBase, "spec.suspend", `true`)),
		create("job restart policy bad", with(jobBase, "spec.template.spec.restartPolicy", `"Sometimes"`)),
		create("job template no image", with(jobBase, "spec.template.spec.containers.0.image", `""`)),
		create("job indexed valid", jobIndexed),
		create("job indexed without completions", with(jobBase, "spec.completionMode", `"Indexed"`, "spec.parallelism", `2`)),
		create("job completion mode bad", with(jobBase, "spec.completionMode", `"Sometimes"`)),
		create("job indexed parallelism too big", with(jobIndexed, "spec.parallelism", `100001`)),
		create("job backoff per index non indexed", with(jobBase, "spec.backoffLimitPerIndex", `1`)),
		create("job max failed indexes without backoff per index", with(jobIndexed, "spec.maxFailedIndexes", `1`)),
		create("job max failed indexes above completions", with(jobIndexed, "spec.backoffLimitPerIndex", `1`, "spec.maxFailedIndexes", `5`)),
		create("job backoff per index negative", with(jobIndexed, "spec.backoffLimitPerIndex", `-1`, "spec.maxFailedIndexes", `-1`)),
		create("job backoff per index valid", with(jobIndexed, "spec.backoffLimitPerIndex", `1`, "spec.maxFailedIndexes", `2`)),
		create("job high completions without max failed", with(jobIndexed, "spec.completions", `100001`, "spec.parallelism", `10001`, "spec.backoffLimitPerIndex", `1`)),
		create("job managed by bad", with(jobBase, "spec.managedBy", `"foo"`)),
		create("job managed by valid", with(jobBase, "spec.managedBy", `"example.com/foo"`)),
		create("job pod replacement bad", with(jobBase, "spec.podReplacementPolicy", `"Sometimes"`)),

		// Jobs: generated selector and labels.
		create("job template label conflicts generated", with(jobBase, "spec.template.metadata", `{"labels":{"controller-uid":"other"}}`)),
		create("job user selector not generated", with(jobBase, "spec.selector", `{"matchLabels":{"a":"b"}}`, "spec.template.metadata", `{"labels":{"a":"b"}}`)),
		create("job without uid", with(jobBase, "metadata.uid", del)),
		create("job manual selector valid", with(jobBase, "spec.manualSelector", `true`, "spec.selector", `{"matchLabels":{"a":"b"}}`, "spec.template.metadata", `{"labels":{"a":"b"}}`)),
		create("job manual selector missing", with(jobBase, "spec.manualSelector", `true`)),
		create("job manual selector bad operator", with(jobBase, "spec.manualSelector", `true`, "spec.selector", `{"matchExpressions":[{"key":"a","operator":"Near","values":["b"]}]}`, "spec.template.metadata", `{"labels":{"a":"b"}}`)),
		create("job manual selector bad label", with(jobBase, "spec.manualSelector", `true`, "spec.selector", `{"matchLabels":{"a":"-b"}}`, "spec.template.metadata", `{"labels":{"a":"-b"}}`)),

		// Jobs: pod failure policy.
		create("job pfp valid", pfp(`[{"action":"FailJob","onExitCodes":{"operator":"In","values":[1,2]}},{"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget"}]}]`)),
		create("job pfp restart on failure", with(pfp(`[{"action":"FailJob","onExitCodes":{"operator":"In","values":[1]}}]`), "spec.template.spec.restartPolicy", `"OnFailure"`)),
		create("job pfp action missing", pfp(`[{"onExitCodes":{"operator":"In","values":[1]}}]`)),
		create("job pfp action bad", pfp(`[{"action":"Retry","onExitCodes":{"operator":"In","values":[1]}}]`)),
		create("job pfp fail index without backoff per index", pfp(`[{"action":"FailIndex","onExitCodes":{"operator":"In","values":[1]}}]`)),
		create("job pfp exit codes bad values", pfp(`[{"action":"Count","onExitCodes":{"operator":"In","values":[2,0,2,1]}}]`)),
		create("job pfp exit codes empty", pfp(`[{"action":"Count","onExitCodes":{"operator":"","values":[]}}]`)),
		create("job pfp exit codes operator bad", pfp(`[{"action":"Count","onExitCodes":{"operator":"Maybe","values":[0]}}]`)),
		create("job pfp exit codes not in zero", pfp(`[{"action":"Count","onExitCodes":{"operator":"NotIn","values":[0]}}]`)),
		create("job pfp container unknown", pfp(`[{"action":"Count","onExitCodes":{"containerName":"x","operator":"In","values":[1]}}]`)),
		create("job pfp both requirements", pfp(`[{"action":"Count","onExitCodes":{"operator":"In","values":[1]},"onPodConditions":[{"type":"DisruptionTarget","status":"True"}]}]`)),
		create("job pfp no requirement", pfp(`[{"action":"Count"}]`)),
		create("job pfp pod condition bad", pfp(`[{"action":"Ignore","onPodConditions":[{"type":"a b","status":"Maybe"}]}]`)),
		create("job pfp too many rules", pfp(manyRules)),
		create("job pfp replacement terminating", with(pfp(`[{"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget"}]}]`), "spec.podReplacementPolicy", `"TerminatingOrFailed"`)),

		// Jobs: success policy.
		create("job success policy non indexed", with(jobBase, "spec.successPolicy", `{"rules":[{"succeededCount":1}]}`)),
		create("job success policy no rules", with(jobIndexed, "spec.successPolicy", `{"rules":[]}`)),
		create("job success policy empty rule", with(jobIndexed, "spec.successPolicy", `{"rules":[{}]}`)),
		create("job success policy bad indexes", with(jobIndexed, "spec.successPolicy", `{"rules":[{"succeededIndexes":"3-1","succeededCount":5}]}`)),
		create("job success policy count above indexes", with(jobIndexed, "spec.successPolicy", `{"rules":[{"succeededIndexes":"0,2","succeededCount":3}]}`)),
		create("job success policy valid", with(jobIndexed, "spec.successPolicy", `{"rules":[{"succeededIndexes":"0-2","succeededCount":2}]}`)),

		// Jobs: updates.
		update("job update stored parallelism", with(jobStored, "spec.parallelism", `3`), jobBase),
		update("job update stored suspend and deadline", with(jobStored, "spec.suspend", `true`, "spec.activeDeadlineSeconds", `60`), jobBase),
		update("job update stored selector", with(jobStored, "spec.selector", `{"matchLabels":{"batch.kubernetes.io/controller-uid":"u1","x":"y"}}`), jobBase),
		update("job update running node selector", with(jobStored, "spec.template.spec.nodeSelector", `{"zone":"a"}`), jobBase),
		update("job update suspended node selector", with(jobStored, "spec.suspend", `true`, "spec.template.spec.nodeSelector", `{"zone":"a"}`), with(jobBase, "spec.suspend", `true`)),
		update("job update suspended resources", with(jobStored, "spec.suspend", `true`, "spec.template.spec.containers.0.resources", `{"requests":{"cpu":"1"}}`), with(jobBase, "spec.suspend", `true`)),
		update("job update suspended image", with(jobStored, "spec.suspend", `true`, "spec.template.spec.containers.0.image", `"busybox:2"`), with(jobBase, "spec.suspend", `true`)),
		update("job update indexed completions in tandem", with(jobStored, "spec.completionMode", `"Indexed"`, "spec.completions", `5`, "spec.parallelism", `5`), jobIndexed),
		update("job update indexed completions alone", with(jobStored, "spec.completionMode", `"Indexed"`, "spec.completions", `5`, "spec.parallelism", `2`), jobIndexed),
		update("job update completion mode", with(jobStored, "spec.completionMode", `"Indexed"`), jobBase),
		update("job update backoff per index", with(jobStored, "spec.completionMode", `"Indexed"`, "spec.completions", `4`, "spec.parallelism", `2`, "spec.backoffLimitPerIndex", `2`), with(jobIndexed, "spec.backoffLimitPerIndex", `1`)),
		update("job update managed by", with(jobStored, "spec.managedBy", `"example.com/foo"`), jobBase),
		update("job update pod failure policy", with(jobStored, "spec.podFailurePolicy", `{"rules":[{"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget"}]}]}`, "spec.podReplacementPolicy", `"Failed"`), jobBase),

		// Cron jobs: schedules.
		create("cronjob schedule names", cronSchedule("0 9 * JAN-mar mon-FRI")),
		create("cronjob schedule lists and steps", cronSchedule("*/5,1-3 0-23/2 ? * *")),
		create("cronjob schedule minute too big", cronSchedule("61 * * * *")),
		create("cronjob schedule dom zero", cronSchedule("* * 0 * *")),
		create("cronjob schedule dow seven", cronSchedule("* * * * 7")),
		create("cronjob schedule range reversed", cronSchedule("5-1 * * * *")),
		create("cronjob schedule step zero", cronSchedule("*/0 * * * *")),
		create("cronjob schedule step negative", cronSchedule("*/-1 * * * *")),
		create("cronjob schedule hyphens", cronSchedule("1-2-3 * * * *")),
		create("cronjob schedule slashes", cronSchedule("*/2/3 * * * *")),
		create("cronjob schedule not a number", cronSchedule("x * * * *")),
		create("cronjob schedule negative", cronSchedule("-1 * * * *")),
		create("cronjob schedule huge", cronSchedule("99999999999999999999 * * * *")),
		create("cronjob schedule bad month name", cronSchedule("0 0 1 foo *")),
		create("cronjob schedule six fields", cronSchedule("0 * * * * *")),
		create("cronjob schedule blank", cronSchedule("   ")),
		create("cronjob schedule star range", cronSchedule("*-5 * * * *")),
		create("cronjob schedule empty list items", cronSchedule("1,,2 * * * ,")),
		create("cronjob schedule every", cronSchedule("@every 1h30m")),
		create("cronjob schedule every bad", cronSchedule("@every soon")),
		create("cronjob schedule every no unit", cronSchedule("@every 5")),
		create("cronjob schedule every unknown unit", cronSchedule("@every 5y")),
		create("cronjob schedule every bare", cronSchedule("@every")),
		create("cronjob schedule descriptor unknown", cronSchedule("@sometimes")),
		create("cronjob schedule cron tz", cronSchedule("CRON_TZ=Europe/Paris 0 * * * *")),
		create("cronjob schedule tz only", cronSchedule("TZ=UTC")),
		create("cronjob schedule tz bad", cronSchedule("TZ=Mars/Base * * * * *")),
		create("cronjob schedule empty and concurrency bad", with(cronBase, "spec.schedule", `""`, "spec.concurrencyPolicy", `"Foo"`)),

		// Cron jobs: time zones.
		create("cronjob time zone empty", with(cronBase, "spec.timeZone", `""`)),
		create("cronjob time zone local", with(cronBase, "spec.timeZone", `"Local"`)),
		create("cronjob time zone local lower", with(cronBase, "spec.timeZone", `"local"`)),
		create("cronjob time zone utc", with(cronBase, "spec.timeZone", `"UTC"`)),
		create("cronjob time zone etc", with(cronBase, "spec.timeZone", `"Etc/GMT+5"`)),
		create("cronjob time zone deep", with(cronBase, "spec.timeZone", `"America/Argentina/Buenos_Aires"`)),
		create("cronjob time zone directory", with(cronBase, "spec.timeZone", `"Europe"`)),
		create("cronjob time zone not a zone file", with(cronBase, "spec.timeZone", `"zone.tab"`)),
		create("cronjob time zone below a file", with(cronBase, "spec.timeZone", `"Europe/Paris/x"`)),
		create("cronjob time zone dot dot", with(cronBase, "spec.timeZone", `"Europe/a..b"`)),
		create("cronjob time zone long part", with(cronBase, "spec.timeZone", `"Abcdefghijklmnop"`)),
		create("cronjob time zone hyphen", with(cronBase, "spec.timeZone", `"-abc"`)),
		create("cronjob time zone html", with(cronBase, "spec.timeZone", `"a<b"`)),
		create("cronjob time zone with tz schedule", with(cronBase, "spec.timeZone", `"UTC"`, "spec.schedule", `"TZ=UTC 0 * * * *"`)),

		// Cron jobs: the rest of the spec and the job template.
		create("cronjob failed history negative", with(cronBase, "spec.failedJobsHistoryLimit", `-2`)),
		create("cronjob history zero", with(cronBase, "spec.successfulJobsHistoryLimit", `0`, "spec.failedJobsHistoryLimit", `0`)),
		create("cronjob template selector", with(cronBase, "spec.jobTemplate.spec.selector", `{"matchLabels":{"a":"b"}}`)),
		create("cronjob template manual selector", with(cronBase, "spec.jobTemplate.spec.manualSelector", `true`)),
		create("cronjob template parallelism negative", with(cronBase, "spec.jobTemplate.spec.parallelism", `-1`)),
		create("cronjob template indexed without completions", with(cronBase, "spec.jobTemplate.spec.completionMode", `"Indexed"`, "spec.jobTemplate.spec.parallelism", `2`)),
		create("cronjob template pfp on failure", with(cronBase, "spec.jobTemplate.spec.podFailurePolicy", `{"rules":[{"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget"}]}]}`)),
		create("cronjob template no containers", with(cronBase, "spec.jobTemplate.spec.template.spec.containers", `[]`)),

		// Cron jobs: updates.
		update("cronjob update tz schedule kept", with(cronBase, "spec.schedule", `"TZ=UTC 0 * * * *"`), with(cronBase, "spec.schedule", `"TZ=UTC 0 * * * *"`)),
		update("cronjob update tz schedule and time zone", with(cronBase, "spec.schedule", `"TZ=UTC 0 * * * *"`, "spec.timeZone", `"UTC"`), with(cronBase, "spec.schedule", `"TZ=UTC 0 * * * *"`)),
		update("cronjob update time zone bad", with(cronBase, "spec.timeZone", `"Mars/Olympus"`), cronBase),
		update("cronjob update time zone bad unchanged", with(cronBase, "spec.timeZone", `"Mars/Olympus"`, "spec.suspend", `true`), with(cronBase, "spec.timeZone", `"Mars/Olympus"`)),
		update("cronjob update template image", with(cronBase, "spec.jobTemplate.spec.template.spec.containers.0.image", `"busybox:2"`), cronBase),
		update("cronjob update template parallelism negative", with(cronBase, "spec.jobTemplate.spec.parallelism", `-1`), cronBase),
	}
}
