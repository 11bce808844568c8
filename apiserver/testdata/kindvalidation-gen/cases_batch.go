package main

// batchCases are the jobs' and cron jobs' cases.
func batchCases() []kindCase {
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
	}
}
