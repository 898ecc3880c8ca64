import ArgumentParser

/// `berth job`: run-to-completion work, as `kubectl create job` and Nomad's batch jobs, and
/// periodic jobs, as Kubernetes' CronJobs and Nomad's periodic jobs.
struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "Run and manage batch jobs.",
        subcommands: [JobRun.self, JobCreate.self, JobList.self, JobGet.self, JobLogs.self, JobRemove.self, JobSuspend.self, JobResume.self]
    )
}
