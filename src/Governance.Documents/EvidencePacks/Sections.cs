using System.Globalization;
using Governance.Documents.Layout;
using Governance.Domain.Approvals;
using Governance.Domain.Datasets;
using Governance.Domain.Monitoring;
using Governance.Domain.Shared;
using Governance.Domain.Validation;

namespace Governance.Documents.EvidencePacks;

/// <summary>The building blocks the three packs share, each drawn only from ledger facts.</summary>
internal static class Sections
{
    public const string NotRecorded = "Not recorded in the ledger.";

    /// <summary>What a fact without a value shows.</summary>
    public const string NoValue = "—";

    public static string Time(DateTimeOffset? t) =>
        t is null ? NoValue : t.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static Notice Missing(string what) => new($"{NotRecorded} {what}");

    public static KeyValuePair<string, string> Fact(string key, string? value) =>
        new(key, string.IsNullOrWhiteSpace(value) ? NoValue : value);

    public static IReadOnlyList<KeyValuePair<string, string>> TitleFacts(EvidencePackInput i) =>
        [
            Fact("Model", $"{i.Model.Name} ({i.Model.Id})"),
            Fact("Version", i.Version.Version),
            Fact("Risk tier", i.Model.RiskTier.ToString()),
            Fact("EU AI Act category", i.Model.EuAiActCategory),
            Fact("Model owner", i.People.Of(i.Model.OwnerId)),
            Fact("Status", i.Version.Status.ToString()),
            Fact("Artifact SHA-256", i.Version.ArtifactDigest),
            Fact("Ledger position", $"{i.Position} ({i.Version.Id} at stream version {i.LedgerPosition})"),
            Fact("Facts as of", Time(i.AsOf)),
            Fact("Renderer", $"evidence-pack renderer version {RendererVersion.Current}"),
        ];

    /// <summary>A re-render by another renderer version than the pack originally issued at the same position: says so and cites
    /// that pack's digest (nothing otherwise).</summary>
    public static IEnumerable<Block> ReRenderNotice(EvidencePackInput i) =>
        i.ReRenderOf is not { } original
            ? []
            :
            [
                new Notice(
                    $"Re-rendered by evidence-pack renderer version {RendererVersion.Current}. The pack originally issued at "
                        + $"ledger position {i.Position} was drawn by "
                        + (
                            original.RendererVersion is { } v
                                ? $"renderer version {v}"
                                : "a release that did not record its renderer version"
                        )
                        + $"; the ledger keeps its bytes under SHA-256 {original.Sha256} (GET /api/v1/evidence-packs/{original.Sha256})."
                ),
            ];

    public static IEnumerable<Block> ModelFacts(EvidencePackInput i) =>
        [
            new KeyValues([
                Fact("Model", $"{i.Model.Name} ({i.Model.Id})"),
                Fact("Business purpose", i.Model.BusinessPurpose),
                Fact("Owner", $"{i.People.Of(i.Model.OwnerId)} ({i.Model.OwnerId})"),
                Fact("Risk tier", i.Model.RiskTier.ToString()),
                Fact("EU AI Act category", i.Model.EuAiActCategory),
                Fact("Jurisdictions", string.Join(", ", i.Model.Jurisdictions)),
                Fact("Version", i.Version.Version),
                Fact("Registered", $"{Time(i.Version.RegisteredAt)} by {i.People.Of(i.Version.RegisteredBy)}"),
                Fact("Artifact", i.Version.ArtifactUri),
                Fact("Format", i.Version.Format.ToString()),
                Fact("Size", $"{i.Version.ArtifactSizeBytes:N0} bytes"),
                Fact("Code commit", i.Version.CodeCommit),
            ]),
            new Monospace($"artifact sha256  {i.Version.ArtifactDigest}"),
        ];

    public static IEnumerable<Block> Hyperparameters(EvidencePackInput i) =>
        i.Version.Hyperparameters.Count == 0
            ? [Missing("No hyperparameters were registered with this version.")]
            :
            [
                new Table(
                    ["Hyperparameter", "Value"],
                    [1, 2],
                    i.Version.Hyperparameters.OrderBy(h => h.Key, StringComparer.Ordinal)
                        .Select(h => (IReadOnlyList<string>)[h.Key, h.Value])
                        .ToArray()
                ),
            ];

    public static IEnumerable<Block> Metrics(EvidencePackInput i)
    {
        if (i.Version.Metrics.Count == 0)
            return [Missing("No performance metrics were registered with this version.")];
        var metrics = i.Version.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).ToArray();
        KeyValuePair<string, double>[] Unit(bool? lowerIsBetter) =>
            metrics
                .Where(m => m.Value is >= 0 and <= 1 && LowerIsBetter(m.Key) == lowerIsBetter)
                .Select(m => new KeyValuePair<string, double>(m.Key, m.Value))
                .ToArray();
        var blocks = new List<Block>
        {
            new Paragraph(
                $"Metrics as registered by the model owner with the version on {Time(i.Version.RegisteredAt)}, measured on the validation "
                    + $"dataset named below."
            ),
            new Table(
                ["Metric", "Value"],
                [1, 1],
                metrics.Select(m => (IReadOnlyList<string>)[m.Key, m.Value.ToString("0.####", CultureInfo.InvariantCulture)]).ToArray()
            ),
        };
        // Measures of opposite sense are not drawn as bars side by side (a long Brier bar is bad, a long AUC bar good); a
        // metric whose sense is not known here is in the table only.
        if (Unit(false) is { Length: > 0 } higher)
            blocks.Add(new BarChart("Metrics on a 0-1 scale: higher is better", higher, 1));
        if (Unit(true) is { Length: > 0 } lower)
            blocks.Add(new BarChart("Metrics on a 0-1 scale: lower is better (errors and losses)", lower, 1));
        return blocks;
    }

    /// <summary>Whether a registered metric is an error or loss (lower is better: Brier score, log loss, calibration and
    /// regression errors, error rates), a score (higher is better: AUC, Gini, KS, accuracy, F1, precision, recall and the
    /// like), or neither known (null). Names are compared without case, spaces, dashes or underscores.</summary>
    public static bool? LowerIsBetter(string metric) =>
        new string(metric.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray()) switch
        {
            "brier"
            or "brierscore"
            or "logloss"
            or "crossentropy"
            or "ece"
            or "mce"
            or "calibrationerror"
            or "mse"
            or "rmse"
            or "mae"
            or "mape"
            or "error"
            or "errorrate"
            or "fpr"
            or "fnr"
            or "falsepositiverate"
            or "falsenegativerate" => true,
            "auc"
            or "rocauc"
            or "aucroc"
            or "aucpr"
            or "prauc"
            or "gini"
            or "ks"
            or "accuracy"
            or "balancedaccuracy"
            or "f1"
            or "f1score"
            or "precision"
            or "recall"
            or "sensitivity"
            or "specificity"
            or "tpr"
            or "tnr"
            or "r2" => false,
            _ => null,
        };

    public static IEnumerable<Block> Dataset(string role, string digest, Dataset? d, PeopleNames people)
    {
        if (d is null)
            return
            [
                new Monospace($"{role} manifest sha256  {digest}"),
                Missing("The dataset with this manifest digest is not in the register."),
            ];
        return
        [
            new KeyValues([
                Fact("Dataset", $"{d.Name} {d.Version}"),
                Fact("Description", d.Description),
                Fact("Rows", d.RowCount.ToString("N0", CultureInfo.InvariantCulture)),
                Fact("Columns", d.Schema.Count.ToString(CultureInfo.InvariantCulture)),
                Fact("Personal data", d.ContainsPersonalData ? "Yes" : "No"),
                Fact("Legal basis (GDPR Art. 6)", d.LegalBasis?.ToString() ?? (d.ContainsPersonalData ? NotRecorded : "Not applicable")),
                Fact("Registered", $"{Time(d.RegisteredAt)} by {people.Of(d.RegisteredBy)}"),
            ]),
            new Monospace($"{role} manifest sha256  {d.ManifestDigest}"),
            new Table(
                ["File", "Bytes", "SHA-256"],
                [5, 1],
                d.Files.Take(MaxListedFiles)
                    .Select(f => (IReadOnlyList<string>)[f.Path, f.SizeBytes.ToString("N0", CultureInfo.InvariantCulture), f.Sha256])
                    .ToArray(),
                Monospace: true,
                SpanLastColumn: true
            ),
            .. (
                d.Files.Count > MaxListedFiles
                    ? new Block[]
                    {
                        new Paragraph(
                            $"The first {MaxListedFiles} of {d.Files.Count:N0} files are listed. The manifest digest above binds every "
                                + $"file; the full list is in the dataset register (GET /api/v1/datasets/{d.Name}/{d.Version})."
                        ),
                    }
                    : []
            ),
        ];
    }

    /// <summary>Files of a dataset a pack lists (a manifest may hold 10,000): enough to recognise it, while the manifest
    /// digest binds them all and the pack's size stays bounded.</summary>
    public const int MaxListedFiles = 50;

    public static IEnumerable<Block> Validation(EvidencePackInput i)
    {
        var blocks = new List<Block>();
        if (i.Version.ValidationSubmission is { } s)
            blocks.Add(
                new KeyValues([
                    Fact("Submitted for validation", $"{Time(s.SubmittedAt)} by {i.People.Of(s.SubmittedBy)}"),
                    Fact("Evidence submitted", s.Summary),
                    Fact("Report", s.ReportUri),
                    Fact("Report SHA-256", s.ReportDigest),
                ])
            );
        if (i.Version.Validation is not { } v)
        {
            blocks.Add(Missing("No independent validation outcome has been recorded for this version."));
            return blocks;
        }
        blocks.Add(
            new KeyValues([
                Fact("Outcome", v.Outcome.ToString()),
                Fact("Validator", $"{i.People.Of(v.Validator)} ({v.Validator.SubjectId}, {v.Validator.Role})"),
                Fact("Validated", Time(v.ValidatedAt)),
                Fact("Opinion", v.Opinion),
            ])
        );
        blocks.Add(
            v.Findings.Count == 0
                ? new Paragraph("The validator recorded no findings.")
                : new Table(
                    ["Id", "Severity", "Status", "Finding"],
                    [1, 1.2f, 1.2f, 5],
                    v.Findings.Select(f =>
                            (IReadOnlyList<string>)
                                [
                                    f.Id,
                                    f.Severity.ToString(),
                                    f.Status.ToString(),
                                    string.IsNullOrEmpty(f.Description) ? f.Title : $"{f.Title}. {f.Description}",
                                ]
                        )
                        .ToArray()
                )
        );
        return blocks;
    }

    public static IEnumerable<Block> Approvals(EvidencePackInput i)
    {
        if (i.Version.Approvals.Count == 0)
            return [Missing("No approval has been requested for this version.")];
        var blocks = new List<Block>();
        foreach (var a in i.Version.Approvals)
        {
            blocks.Add(new Heading(2, $"Approval for {a.Environment}: {a.Status}"));
            blocks.Add(
                new KeyValues([
                    Fact("Approval id", a.Id),
                    Fact("Requested", $"{Time(a.RequestedAt)} by {i.People.Of(a.RequestedBy)}"),
                    Fact("Intended use", a.IntendedUse),
                    Fact("Required approvals", a.RequiredApprovals.ToString(CultureInfo.InvariantCulture)),
                    Fact("Decided", Time(a.DecidedAt)),
                    Fact("Expires", Time(a.ExpiresAt)),
                    Fact("Conditions", a.Conditions.Count == 0 ? "None" : string.Join("; ", a.Conditions)),
                    Fact("Rejection", a.RejectionReason is null ? null : $"{a.RejectionReason} ({i.People.Of(a.RejectedBy)})"),
                    Fact(
                        "Revocation",
                        a.RevokedAt is null ? null : $"{Time(a.RevokedAt)} by {i.People.Of(a.RevokedBy)}: {a.RevocationReason}"
                    ),
                ])
            );
            if (a.SignOffs.Count > 0)
                blocks.Add(
                    new Table(
                        ["Risk officer", "Signed", "Rationale", "Expiry given"],
                        [2.2f, 1.6f, 4, 1.6f],
                        a.SignOffs.Select(s =>
                                (IReadOnlyList<string>)
                                    [$"{i.People.Of(s.Officer)} ({s.Officer.SubjectId})", Time(s.SignedAt), s.Rationale, Time(s.ExpiresAt)]
                            )
                            .ToArray()
                    )
                );
            if (a.AttestationDigest is not null)
                blocks.Add(new Monospace($"attestation sha256  {a.AttestationDigest}\nsigning key id      {a.AttestationKeyId}"));
        }
        return blocks;
    }

    /// <summary>Segregation of duties, shown from the recorded subjects: who owned, built, validated, requested and approved.</summary>
    public static IEnumerable<Block> SegregationOfDuties(EvidencePackInput i)
    {
        var rows = new List<IReadOnlyList<string>>
        {
            new[] { "Model owner", i.People.Of(i.Model.OwnerId), i.Model.OwnerId },
            new[] { "Registered the version", i.People.Of(i.Version.RegisteredBy), i.Version.RegisteredBy.SubjectId },
        };
        if (i.Version.Validation is { } v)
            rows.Add(["Independent validator", i.People.Of(v.Validator), v.Validator.SubjectId]);
        foreach (var a in i.Version.Approvals)
        {
            rows.Add([$"Requested approval ({a.Environment})", i.People.Of(a.RequestedBy), a.RequestedBy.SubjectId]);
            rows.AddRange(
                a.SignOffs.Select(s => (IReadOnlyList<string>)[$"Approved ({a.Environment})", i.People.Of(s.Officer), s.Officer.SubjectId])
            );
        }
        var approvers = i.Version.Approvals.SelectMany(a => a.SignOffs.Select(s => s.Officer.SubjectId)).ToHashSet();
        var builders = new[] { i.Model.OwnerId, i.Version.RegisteredBy.SubjectId }
            .Concat(i.Version.Approvals.Select(a => a.RequestedBy.SubjectId))
            .ToHashSet();
        var validatorIndependent =
            i.Version.Validation is not { } val
            || (val.Validator.SubjectId != i.Model.OwnerId && val.Validator.SubjectId != i.Version.RegisteredBy.SubjectId);
        return
        [
            new Table(["Role in this version's lifecycle", "Person", "Subject id"], [2.4f, 2.6f, 2], rows),
            new Paragraph(
                approvers.Overlaps(builders)
                    ? "Segregation of duties: an approver is also the owner, registrant or requester. "
                        + "The ledger refuses such approvals; this line would indicate tampering outside it."
                    : "Segregation of duties: no approver is the model owner, the registrant or a requester; "
                        + $"the validator is {(validatorIndependent ? "" : "NOT ")}independent of the owner and the registrant. "
                        + "The ledger enforces these rules when each event is recorded."
            ),
        ];
    }

    /// <summary>Long histories list their most recent entries; every entry is an event in Appendix A, so nothing is lost.</summary>
    public const int MostRecentListed = 100;

    private static IEnumerable<Block> Recent<T>(
        IReadOnlyList<T> items,
        string what,
        string[] header,
        float[] widths,
        Func<T, IReadOnlyList<string>> row
    )
    {
        if (items.Count > MostRecentListed)
            yield return new Paragraph(
                $"{items.Count:N0} {what} are recorded; the {MostRecentListed} most recent are listed here and every one is in Appendix A."
            );
        yield return new Table(header, widths, items.Skip(Math.Max(0, items.Count - MostRecentListed)).Select(row).ToArray());
    }

    /// <summary>
    /// The serious incidents recorded with the version (EU AI Act Art. 73) as of the pack's position: what happened, its
    /// category (Art. 3(49)), the people affected, when the provider became aware and the reporting deadline (Art. 73(2)-(4)),
    /// the report to the authority or that it is not recorded, and each corrective action (Art. 73(6)).
    /// </summary>
    public static IEnumerable<Block> Incidents(EvidencePackInput i)
    {
        if (i.Incidents.Count == 0)
        {
            yield return new Paragraph("No serious incident is recorded for this version.");
            yield break;
        }
        foreach (var incident in i.Incidents)
        {
            yield return new Heading(3, $"Incident {incident.Id}");
            yield return new KeyValues([
                new("What happened", incident.Description),
                new("Category (Art. 3(49))", incident.Category.ToString()),
                new("Affected persons", incident.AffectedPersons.ToString(CultureInfo.InvariantCulture)),
                new("Provider aware", Time(incident.AwareAt)),
                new("Report due by (Art. 73)", Time(incident.ReportDueBy)),
                new("Recorded", $"{Time(incident.RecordedAt)} by {i.People.Of(incident.RecordedBy)}"),
                new(
                    "Report to the authority",
                    incident.Report is { } report
                        ? $"{report.Authority}, reference {report.Reference}, {Time(report.ReportedAt)} by {i.People.Of(report.ReportedBy)}"
                        : $"{NotRecorded} no report to the market surveillance authority is recorded"
                ),
            ]);
            if (incident.CorrectiveActions.Count == 0)
                yield return new Paragraph("Corrective actions: none recorded.");
            foreach (var action in incident.CorrectiveActions)
                yield return new Paragraph(
                    $"Corrective action, {Time(action.RecordedAt)} by {i.People.Of(action.RecordedBy)}: {action.Action}"
                );
        }
    }

    /// <summary>
    /// The post-market monitoring plans signed with this version's approvals (EU AI Act Art. 72): per approval, the reference,
    /// cadence, what a breach does, who is alerted, the pinned computational choices and each monitored quantity's tests and
    /// thresholds, then the breaches recorded against it; a missing-evidence line when no approval signs a plan.
    /// </summary>
    public static IEnumerable<Block> MonitoringPlans(EvidencePackInput i)
    {
        var planned = i.Version.Approvals.Where(a => a.MonitoringPlan is not null).ToArray();
        if (planned.Length == 0)
        {
            yield return Missing(
                "No approval of this version signs a post-market monitoring plan; the deployments, refusals and load reports above "
                    + "are what the ledger observes."
            );
            yield break;
        }
        foreach (var approval in planned)
        {
            var plan = approval.MonitoringPlan!;
            yield return new Heading(3, $"Plan signed with approval {approval.Id} ({approval.Environment}, {approval.Status})");
            yield return new KeyValues([
                new(
                    "Reference dataset",
                    $"{plan.ReferenceDatasetDigest} ({plan.ReferenceRows.ToString("N0", CultureInfo.InvariantCulture)} rows)"
                ),
                new("Cadence", $"a report at least every {plan.CadenceDays} days"),
                new(
                    "On a breach",
                    plan.OnBreach switch
                    {
                        BreachAction.Warn => "a warning is recorded; the approval stands",
                        BreachAction.UnderReview => "the approval is under review (serving continues) until a risk officer resolves it",
                        _ => $"the approval is suspended; model servers stop after a drain period of {plan.DrainPeriod}",
                    }
                ),
                new("Alerted", string.Join(", ", plan.Alert)),
                new("Pinned choices", Pins(plan)),
            ]);
            yield return new Table(
                ["Monitored", "Kind", "Tests and thresholds"],
                [1.6f, 1, 3.4f],
                plan.Features.Select(f => (Feature: f, Role: f.Name))
                    .Append((Feature: plan.Prediction, Role: $"{plan.Prediction.Name} (score)"))
                    .Select(m =>
                        (IReadOnlyList<string>)[m.Role, m.Feature.Kind.ToString(), string.Join("; ", m.Feature.Tests.Select(Threshold))]
                    )
                    .ToArray()
            );
            yield return new Paragraph(
                approval.Breaches.Count == 0
                    ? "No breach of this plan is recorded."
                    : $"Breaches recorded: {approval.Breaches.Count}, the last on {Time(approval.Breaches[^1].At)}"
                        + (approval.OpenReview is { } open ? $"; review {open.Id} open since {Time(open.OpenedAt)}." : "; none open.")
            );
        }
    }

    /// <summary>A plan's pinned computational choices, as a report restates them.</summary>
    private static string Pins(MonitoringPlan plan) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"PSI on {plan.Pins.PsiBins} quantile bins of the reference, empty bins at {plan.Pins.EmptyBinShare}, KS "
                + $"{plan.Pins.KsMethod}; correction {plan.Correction}; dataset drift at {plan.DatasetDriftShare:P0} of features"
        );

    /// <summary>A test as its threshold reads: a p-value below it drifts, a distance at or above it.</summary>
    private static string Threshold(DriftTest test) =>
        MonitoringVerdicts.IsPValueTest(test.Statistic)
            ? FormattableString.Invariant($"{test.Statistic} p < {test.Threshold}")
            : FormattableString.Invariant(
                $"{test.Statistic} >= {test.Threshold}{(test.WatchThreshold is { } watch ? $" (watch {watch})" : "")}"
            );

    public static IEnumerable<Block> Deployments(EvidencePackInput i)
    {
        var blocks = new List<Block>();
        if (i.Version.Deployments.Count == 0)
            blocks.Add(new Paragraph("No deployment of this version has been recorded."));
        else
            blocks.AddRange(
                Recent(
                    i.Version.Deployments,
                    "deployments",
                    ["Environment", "Pipeline run", "Deployed", "By", "Rolled back"],
                    [1.4f, 1.6f, 1.6f, 2, 2.6f],
                    d =>
                        [
                            d.Environment,
                            d.PipelineRunId,
                            Time(d.DeployedAt),
                            i.People.Of(d.DeployedBy),
                            d.RolledBackAt is null ? "Live" : $"{Time(d.RolledBackAt)}: {d.RollbackReason}",
                        ]
                )
            );
        if (i.Version.RefusedDeployments.Count > 0)
        {
            blocks.Add(new Paragraph("Deployment attempts the ledger refused:"));
            blocks.AddRange(
                Recent(
                    i.Version.RefusedDeployments,
                    "refused attempts",
                    ["Environment", "Pipeline run", "Attempted", "By", "Why refused"],
                    [1.4f, 1.6f, 1.6f, 2, 4],
                    r =>
                        [
                            r.Environment,
                            r.PipelineRunId,
                            Time(r.AttemptedAt),
                            i.People.Of(r.AttemptedBy),
                            string.Join(" ", r.Reasons.Select(x => x.Code)),
                        ]
                )
            );
        }
        if (i.Version.Loads.Count > 0)
        {
            blocks.Add(new Paragraph("Model servers' load reports:"));
            blocks.AddRange(
                Recent(
                    i.Version.Loads,
                    "load reports",
                    ["Environment", "Host", "When", "Outcome"],
                    [1.4f, 2, 1.6f, 3],
                    l => [l.Environment, l.Host, Time(l.At), l.Loaded ? "Loaded after verification" : $"Refused: {l.RefusalCode}"]
                )
            );
        }
        return blocks;
    }

    public static IEnumerable<Block> OpenFindingsAndConditions(EvidencePackInput i)
    {
        var open = i.Version.Validation?.Findings.Where(f => f.Status == FindingStatus.Open).ToArray() ?? [];
        var conditions = i
            .Version.Approvals.Where(a => a.Status == ApprovalStatus.Approved)
            .SelectMany(a => a.Conditions)
            .Distinct()
            .ToArray();
        if (open.Length == 0 && conditions.Length == 0)
            return [new Paragraph("No open validation findings and no approval conditions are recorded.")];
        return
        [
            .. conditions.Select(c => (Block)new Paragraph($"Approval condition: {c}")),
            // By reference: each pack prints every finding in full in its validation findings table.
            .. open.Select(f =>
                (Block)new Paragraph($"Open finding {f.Id} ({f.Severity}): {f.Title} (described in full in the validation findings).")
            ),
        ];
    }

    /// <summary>Events as Appendix A lists them: position in the stream, time, actor, type and payload digest.</summary>
    public static Table TrailTable(IReadOnlyList<TrailEntry> trail) =>
        new(
            ["#", "Time (UTC)", "Actor (role)", "Event", "Payload SHA-256"],
            [0.5f, 2.0f, 3.2f, 2.9f],
            trail
                .Select(t =>
                    (IReadOnlyList<string>)
                        [
                            t.StreamVersion.ToString(CultureInfo.InvariantCulture),
                            Time(t.At),
                            $"{t.Actor} ({t.Role})",
                            t.EventType,
                            t.PayloadDigest,
                        ]
                )
                .ToArray(),
            Monospace: true,
            SpanLastColumn: true
        );

    /// <summary>The appendix every pack ends with: the version's full event trail and the attestation digests.</summary>
    public static IEnumerable<Block> Appendix(EvidencePackInput i)
    {
        var days = i.Trail.GroupBy(t => t.At.UtcDateTime.Date).OrderBy(g => g.Key).ToArray();
        var cumulative = 0;
        var blocks = new List<Block>
        {
            new PageBreak(),
            new Heading(1, "Appendix A: event trail of this version"),
            new Paragraph(
                $"Every event of stream {i.Version.Id} in ledger order: {i.Trail.Count} events. The payload digest is the SHA-256 of the "
                    + $"event's JSON as served by "
                    + $"GET /api/v1/models/{i.Model.Id}/audit-trail, so each line can be traced to the ledger."
            ),
        };
        if (days.Length > 1)
            blocks.Add(
                new LineChart(
                    "Events recorded (cumulative) by day",
                    days.Select((g, d) => new KeyValuePair<double, double>(d, cumulative += g.Count())).ToArray(),
                    $"days since {days[0].Key:yyyy-MM-dd}",
                    "events"
                )
            );
        blocks.Add(TrailTable(i.Trail));
        blocks.AddRange(TechnicalFileSections.Trail(i));
        blocks.Add(new Heading(1, "Appendix B: attestation digests"));
        var attested = i.Version.Approvals.Where(a => a.AttestationDigest is not null).ToArray();
        blocks.Add(
            attested.Length == 0
                ? Missing("No signed attestation has been issued for this version (attestations are issued when an approval is granted).")
                : new Table(
                    ["Approval", "Environment", "Key id", "Attestation SHA-256"],
                    [2.2f, 1.2f, 2.4f],
                    attested
                        .Select(a => (IReadOnlyList<string>)[a.Id, a.Environment, a.AttestationKeyId ?? NoValue, a.AttestationDigest!])
                        .ToArray(),
                    Monospace: true,
                    SpanLastColumn: true
                )
        );
        return blocks;
    }
}
