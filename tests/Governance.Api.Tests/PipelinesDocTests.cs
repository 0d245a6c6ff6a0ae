using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Governance.Api.Tests.Infrastructure;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace Governance.Api.Tests;

/// <summary>
/// docs/pipelines.md (and docs/python.md) cannot drift (issue 17, item 5): its <c>bash</c> blocks run top to bottom in one
/// shell session, and
/// every <c>run:</c> step of its GitHub Actions workflows and <c>script:</c> line of its GitLab CI file runs with the
/// workflow's, job's and step's environment, against the API on a real port. What people do is done by the test through
/// the API as those people, where the page's <c>&lt;!-- doc-test: ... --&gt;</c> comments say.
/// </summary>
[Collection(LiveLedgerCollection.Name)]
public sealed partial class PipelinesDocTests(LiveLedgerApp app, ITestOutputHelper log) : IDisposable
{
    private static readonly string Repository = Programs.RepositoryRoot();
    private readonly string _home = Directory.CreateTempSubdirectory("pipelines-doc-home-").FullName;
    private readonly Dictionary<string, string> _secrets = [];
    private readonly List<Task> _people = [];
    private string? _person;
    private readonly Queue<string> _logins = [];

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public async Task Every_bash_block_and_every_CI_step_of_the_pipelines_doc_runs_green_against_a_test_server()
    {
        app.EnsureStarted();
        var page = await File.ReadAllTextAsync(Path.Combine(Repository, "docs", "pipelines.md"));
        var items = DocItem().Matches(page).ToList();
        var state = Path.Combine(_home, ".doc-test-state");
        // The session starts in a checkout (step 0 says "from a checkout"), as a person's terminal would: a copy of this working
        // tree, so that the page's build and files never touch the tree the tests run from.
        await File.WriteAllTextAsync(
            state,
            $"cd {Quote(await Checkout())}\nexport GOVERNANCE_URL={Quote(app.Address)}\nexport HOME={Quote(_home)}\n"
                + $"export PATH=/usr/local/bin:/usr/bin:/bin\nexport NUGET_PACKAGES={Quote(NuGetPackages())}\n"
                + "export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0\n"
        );
        var (bashBlocks, ciSteps) = (0, 0);
        var marker = new Dictionary<string, string>();
        var gitlabGlobals = new Dictionary<string, string>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item.Groups["marker"].Success)
            {
                var words = item.Groups["marker"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                switch (words[0])
                {
                    case "person":
                        _person = words[1];
                        break;
                    case "clients":
                        var lines = items[i + 1].Groups["body"].Value;
                        Assert.Equal("text", items[i + 1].Groups["lang"].Value);
                        await RegisterClients(lines, words[1..], state);
                        i++;
                        break;
                    case "validate":
                        await Validate(words[1], words[2]);
                        break;
                    case "sign-off":
                        _people.Add(SignOffWhenRequested(words[1], words[2], words[3]));
                        break;
                    case "github" or "gitlab":
                        marker = words[1..].Select(w => w.Split('=', 2)).ToDictionary(w => $"{words[0]}:{w[0]}", w => w[1]);
                        break;
                    default:
                        Assert.Fail($"docs/pipelines.md: unknown doc-test marker '{words[0]}'");
                        break;
                }
                continue;
            }
            var (lang, body) = (item.Groups["lang"].Value, item.Groups["body"].Value);
            if (lang == "bash")
            {
                bashBlocks++;
                await RunBashBlock(body, state);
                _person = null;
            }
            else if (lang == "yaml" && body.StartsWith("# .github/workflows/", StringComparison.Ordinal))
                ciSteps += await RunGitHubWorkflow(body, marker, state);
            else if (lang == "yaml" && body.StartsWith("# .gitlab-ci.yml", StringComparison.Ordinal))
                ciSteps += await RunGitLabJobs(body, marker, gitlabGlobals, state);
        }
        await Task.WhenAll(_people);
        log.WriteLine($"ran {bashBlocks} bash blocks and {ciSteps} CI steps");
        Assert.True(bashBlocks >= 8, $"only {bashBlocks} bash blocks found");
        Assert.True(ciSteps >= 20, $"only {ciSteps} CI steps found");

        // What the page claims happened, asked of the ledger as an auditor would.
        var auditor = await app.PersonAsync("ada");
        var entry = await auditor.GetAsync("/api/v1/inventory/german-credit-gb").Expect(HttpStatusCode.OK);
        var versions = entry.GetProperty("versions").EnumerateArray().ToDictionary(v => v.GetProperty("version").GetString()!);
        Assert.Equal(["1.0.0", "1.1.0", "1.2.0"], versions.Keys.Order());
        Assert.Equal("Revoked", versions["1.0.0"].GetProperty("status").GetString());
        Assert.Equal("Deployed", versions["1.2.0"].GetProperty("status").GetString());
        var slot = await auditor.GetAsync("/api/v1/models/german-credit-gb/environments/production").Expect(HttpStatusCode.OK);
        Assert.Equal("1.2.0", slot.GetProperty("live").GetProperty("deployment").GetProperty("version").GetString());
    }

    /// <summary>
    /// docs/python.md, the Python client's walkthrough, run as the notebook it is: its <c>python</c> cells in order in one
    /// session of the client installed as the page says (into a virtual environment of Debian's Python).
    /// </summary>
    [Fact]
    public async Task Every_cell_of_the_python_walkthrough_runs_green_against_a_test_server()
    {
        app.EnsureStarted();
        var page = await File.ReadAllTextAsync(Path.Combine(Repository, "docs", "python.md"));
        var venv = Path.Combine(_home, "v");
        var checkout = await Checkout();
        var (installed, installOutput) = await Bash(
            $"/usr/bin/python3 -m venv --system-site-packages {Quote(venv)} && "
                + $"{Quote(venv)}/bin/pip install --no-index --no-build-isolation clients/python",
            null,
            checkout
        );
        Assert.True(installed == 0, installOutput);
        var cells = new StringBuilder();
        var items = DocItem().Matches(page).ToList();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var words = item.Groups["marker"].Success ? item.Groups["marker"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
            if (words is ["clients", ..])
            {
                await RegisterClients(items[++i].Groups["body"].Value, words[1..], null);
            }
            else if (words is ["logins", ..])
                foreach (var person in words[1..])
                    _logins.Enqueue(person);
            else if (words is ["sign-off", _, _, _])
                _people.Add(SignOffWhenRequested(words[1], words[2], words[3]));
            else if (words.Length > 0)
                Assert.Fail($"docs/python.md: unknown doc-test marker '{words[0]}'");
            else if (item.Groups["lang"].Value == "python")
                cells.AppendLine(item.Groups["body"].Value).AppendLine();
        }
        var notebook = Path.Combine(_home, "walkthrough.py");
        await File.WriteAllTextAsync(notebook, cells.ToString());
        var variables = new Dictionary<string, string>
        {
            ["PATH"] = "/usr/bin:/bin",
            ["HOME"] = _home,
            ["LANG"] = "C.UTF-8",
            ["GOVERNANCE_URL"] = app.Address,
        };
        foreach (var (name, secret) in _secrets)
            variables[name] = secret;
        var (exit, output) = await Bash($"exec {Quote(venv)}/bin/python -u {Quote(notebook)}", variables, checkout);
        Assert.True(exit == 0, $"docs/python.md: the walkthrough failed with exit {exit}:\n{output}");
        await Task.WhenAll(_people);
        Assert.Empty(_logins);
        Assert.Contains("Revoked False", output);
    }

    /// <summary>A copy of this working tree (without build outputs, the database or git) at <c>work/governance</c> under the
    /// test's HOME, beside <c>work/shared</c>, the shared data sets (<c>../shared</c> of a checkout here).</summary>
    private async Task<string> Checkout()
    {
        var work = Path.Combine(_home, "work");
        var checkout = Path.Combine(work, "governance");
        if (Directory.Exists(checkout))
            return checkout;
        Directory.CreateDirectory(checkout);
        File.CreateSymbolicLink(Path.Combine(work, "shared"), Path.GetFullPath(Path.Combine(Repository, "..", "shared")));
        var (exit, output) = await Bash(
            "tar --exclude=./.git --exclude=./.data --exclude=./artifacts --exclude=bin --exclude=obj -cf - . "
                + $"| tar -xf - -C {Quote(checkout)}",
            null,
            Repository
        );
        Assert.True(exit == 0, output);
        return checkout;
    }

    private static string NuGetPackages() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";

    /// <summary>One bash block in the session: the state (variables, working directory) of the blocks before it is restored
    /// first and saved after; <c>governance login</c>'s code is confirmed as the block's person.</summary>
    private async Task RunBashBlock(string block, string state)
    {
        var script = new StringBuilder()
            .AppendLine($"source {Quote(state)}")
            .AppendLine("set -eo pipefail")
            .AppendLine(block)
            .AppendLine("set +e")
            .AppendLine(
                "{ for v in $(compgen -v); do case $v in BASH*|FUNCNAME|GROUPS|PIPESTATUS|PWD|OLDPWD|SHLVL|_|RANDOM|SRANDOM|SECONDS|"
                    + "LINENO|HISTCMD|DIRSTACK|EPOCH*|PPID|UID|EUID|SHELLOPTS|BASHOPTS|COLUMNS|LINES|IFS|OPTIND|OPTERR|OPTARG|PS?|"
                    + "HOSTNAME|HOSTTYPE|MACHTYPE|OSTYPE|COMP_WORDBREAKS|MAILCHECK|HIST*) ;; *) declare -p \"$v\";; esac; done; "
                    + $"echo \"cd $(printf %q \"$PWD\")\"; }} > {Quote(state)}.next"
            )
            .AppendLine($"mv {Quote(state)}.next {Quote(state)}")
            .ToString();
        var (exit, output) = await Bash(script, null, Environment.CurrentDirectory);
        Assert.True(exit == 0, $"docs/pipelines.md: this bash block failed with exit {exit}:\n{block}\n--- output ---\n{output}");
    }

    /// <summary>Runs bash on <paramref name="script"/> (from a file, as CI runners do) with <paramref name="environment"/>
    /// replacing the inherited one when given; confirms device sign-in codes as the current person.</summary>
    private async Task<(int Exit, string Output)> Bash(
        string script,
        IReadOnlyDictionary<string, string>? environment,
        string directory,
        string options = ""
    )
    {
        var file = Path.Combine(_home, $".step-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(file, script);
        var start = new ProcessStartInfo("/bin/bash")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var option in options.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            start.ArgumentList.Add(option);
        start.ArgumentList.Add(file);
        if (environment is not null)
        {
            start.Environment.Clear();
            foreach (var (name, value) in environment)
                start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var confirmations = new List<Task>();
        void Read(string? line)
        {
            if (line is null)
                return;
            lock (output)
                output.AppendLine(line);
            if (SignInCode().Match(line) is { Success: true } code)
            {
                var person = _person ?? (_logins.TryDequeue(out var next) ? next : null);
                Assert.True(person is not null, "a sign-in ran where the page does not say which person signs in");
                confirmations.Add(app.ConfirmDeviceAsync(code.Groups[1].Value, person!));
            }
        }
        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        await Task.WhenAll(confirmations);
        File.Delete(file);
        log.WriteLine(output.ToString());
        return (process.ExitCode, output.ToString());
    }

    /// <summary>The environment a CI job starts from: the session's PATH (the published tool) and HOME, nothing of the
    /// walkthrough's variables.</summary>
    private async Task<(Dictionary<string, string> Environment, string Directory)> CiBase(string state)
    {
        var (exit, output) = await Bash($"source {Quote(state)}\nprintf '%s\\n%s\\n%s\\n' \"$PATH\" \"$HOME\" \"$PWD\"", null, Repository);
        Assert.Equal(0, exit);
        var lines = output.Split('\n');
        return (
            new()
            {
                ["PATH"] = lines[0],
                ["HOME"] = lines[1],
                ["LANG"] = "C.UTF-8",
            },
            lines[2]
        );
    }

    private string Expression(string expression, IReadOnlyDictionary<string, string> context, IReadOnlyDictionary<string, string> env)
    {
        var e = expression.Trim();
        if (e == "vars.GOVERNANCE_URL")
            return app.Address;
        if (e.StartsWith("secrets.", StringComparison.Ordinal))
            return _secrets[e["secrets.".Length..]];
        if (e.StartsWith("env.", StringComparison.Ordinal))
            return env[e["env.".Length..]];
        if (e == "github.run_id")
            return env["GITHUB_RUN_ID"];
        if (e == "github.sha")
            return env["GITHUB_SHA"];
        return context.TryGetValue($"github:{e.Replace("github.", "")}", out var value)
            ? value
            : throw new InvalidOperationException($"docs/pipelines.md uses ${{{{ {e} }}}}, which the doc test does not provide");
    }

    private string Substitute(string text, IReadOnlyDictionary<string, string> context, IReadOnlyDictionary<string, string> env) =>
        GitHubExpression().Replace(text, m => Expression(m.Groups[1].Value, context, env));

    private static IEnumerable<(string Key, YamlNode Value)> Entries(YamlNode? node) =>
        node is YamlMappingNode map ? map.Children.Select(c => (((YamlScalarNode)c.Key).Value!, c.Value)) : [];

    private static YamlNode? Child(YamlNode node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static YamlMappingNode Load(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    /// <summary>Runs each job's steps as GitHub does: each <c>run:</c> in a new bash (the workflow's default shell), the
    /// workflow's, job's and
    /// step's <c>env:</c> in that order, <c>$GITHUB_ENV</c> carried to later steps; <c>uses:</c> steps (GitHub's own
    /// actions) and steps that run only on failure are skipped.</summary>
    private async Task<int> RunGitHubWorkflow(string yaml, IReadOnlyDictionary<string, string> context, string state)
    {
        var workflow = Load(yaml);
        var (basis, directory) = await CiBase(state);
        var ran = 0;
        // GitHub runs a step with "bash -e {0}"; with "shell: bash" as "bash --noprofile --norc -eo pipefail {0}".
        var shell = Child(Child(Child(workflow, "defaults") ?? new YamlMappingNode(), "run") ?? new YamlMappingNode(), "shell")
            is YamlScalarNode { Value: "bash" }
            ? "--noprofile --norc -e -o pipefail"
            : "-e";
        foreach (var (jobName, job) in Entries(Child(workflow, "jobs")))
        {
            var githubEnv = Path.Combine(_home, $".github-env-{jobName}");
            File.WriteAllText(githubEnv, "");
            var env = new Dictionary<string, string>(basis)
            {
                ["GITHUB_RUN_ID"] = "9000" + context.GetValueOrDefault("github:run_number", "0"),
                ["GITHUB_SHA"] = Convert.ToHexStringLower(Encoding.UTF8.GetBytes(jobName.PadRight(20, '-')[..20])),
                ["GITHUB_ENV"] = githubEnv,
                ["CI"] = "true",
            };
            foreach (var scope in new[] { Child(workflow, "env"), Child(job, "env") })
            foreach (var (name, value) in Entries(scope))
                env[name] = Substitute(((YamlScalarNode)value).Value!, context, env);
            foreach (var step in ((YamlSequenceNode)Child(job, "steps")!).Children)
            {
                if (Child(step, "run") is not YamlScalarNode run)
                    continue;
                if (Child(step, "if") is YamlScalarNode condition && condition.Value!.Contains("failure()"))
                    continue;
                var stepEnv = new Dictionary<string, string>(env);
                foreach (var line in File.ReadAllLines(githubEnv).Where(l => l.Contains('=')))
                    stepEnv[line[..line.IndexOf('=')]] = line[(line.IndexOf('=') + 1)..];
                foreach (var (name, value) in Entries(Child(step, "env")))
                    stepEnv[name] = Substitute(((YamlScalarNode)value).Value!, context, stepEnv);
                var command = Substitute(run.Value!, context, stepEnv);
                var (exit, output) = await Bash(command, stepEnv, directory, shell);
                Assert.True(exit == 0, $"docs/pipelines.md: GitHub job {jobName}, step failed with exit {exit}:\n{command}\n---\n{output}");
                ran++;
            }
        }
        return ran;
    }

    /// <summary>Runs each job's <c>script:</c> as a GitLab runner does: the lines in one shell with <c>set -eo pipefail</c>,
    /// the file's and the job's <c>variables:</c> exported first (expanded as GitLab expands them).</summary>
    private async Task<int> RunGitLabJobs(
        string yaml,
        IReadOnlyDictionary<string, string> context,
        Dictionary<string, string> globals,
        string state
    )
    {
        var file = Load(yaml);
        foreach (var (name, value) in Entries(Child(file, "variables")))
            globals[name] = ((YamlScalarNode)value).Value!;
        var (basis, directory) = await CiBase(state);
        var ran = 0;
        foreach (var (jobName, job) in Entries(file).Where(e => Child(e.Value, "script") is not null))
        {
            var env = new Dictionary<string, string>(basis)
            {
                ["CI"] = "true",
                ["CI_PIPELINE_ID"] = "7000" + context.GetValueOrDefault("gitlab:CI_PIPELINE_IID", "0"),
                ["CI_PIPELINE_IID"] = context.GetValueOrDefault("gitlab:CI_PIPELINE_IID", "0"),
                ["CI_COMMIT_SHA"] = Convert.ToHexStringLower(Encoding.UTF8.GetBytes(jobName.PadRight(20, '-')[..20])),
                ["CI_COMMIT_BRANCH"] = "main",
                ["GOVERNANCE_URL"] = app.Address,
            };
            foreach (var (name, secret) in _secrets)
                env[name] = secret;
            var script = new StringBuilder("set -eo pipefail\n");
            var variables = globals
                .Select(g => (Name: g.Key, Value: g.Value))
                .Concat(Entries(Child(job, "variables")).Select(e => (Name: e.Key, Value: ((YamlScalarNode)e.Value).Value!)));
            foreach (var (name, value) in variables)
                script.AppendLine($"export {name}=\"{value.Replace("\"", "\\\"")}\"");
            var lines = ((YamlSequenceNode)Child(job, "script")!).Children.Select(l => ((YamlScalarNode)l).Value!).ToList();
            foreach (var line in lines)
                script.AppendLine(line);
            var (exit, output) = await Bash(script.ToString(), env, directory, "--noprofile --norc");
            Assert.True(exit == 0, $"docs/pipelines.md: GitLab job {jobName} failed with exit {exit}:\n{script}\n---\n{output}");
            ran += lines.Count;
        }
        return ran;
    }

    /// <summary>The administrator's <c>admin register-client</c> lines, done through the admin API; the secrets become the
    /// session's variables (and the CI secrets) named by the marker, in the order of the lines.</summary>
    private async Task RegisterClients(string lines, string[] secretNames, string? state)
    {
        var admin = await app.PersonAsync("adam");
        var commands = lines.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(secretNames.Length, commands.Length);
        var exports = new StringBuilder();
        for (var i = 0; i < commands.Length; i++)
        {
            string[] Values(string option) =>
                [.. Regex.Matches(commands[i], $"--{option} (\"[^\"]*\"|\\S+)").Select(m => m.Groups[1].Value.Trim('"'))];
            var secret = await app.RegisterClientAsync(
                admin,
                Values("client-id").Single(),
                Values("display-name").Single(),
                Values("role"),
                Values("scope")
            );
            _secrets[secretNames[i]] = secret;
            exports.AppendLine($"export {secretNames[i]}={Quote(secret)}");
        }
        if (state is not null)
            await File.AppendAllTextAsync(state, exports.ToString());
    }

    private async Task Validate(string model, string version)
    {
        var validator = await app.PersonAsync("victor");
        await validator
            .PostAsync(
                $"/api/v1/models/{model}/versions/{version}/validation",
                JsonContent(
                    new
                    {
                        outcome = "Passed",
                        opinion = "Reviewed by the doc test's validator",
                        findings = Array.Empty<object>(),
                    }
                )
            )
            .Expect(HttpStatusCode.OK);
    }

    private static StringContent JsonContent(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    /// <summary>The risk officers at their desks: once the pipeline has requested the approval, two of them sign it off.</summary>
    private async Task SignOffWhenRequested(string model, string version, string environment)
    {
        var (rita, ravi) = (await app.PersonAsync("rita"), await app.PersonAsync("ravi"));
        var deadline = DateTimeOffset.UtcNow.AddMinutes(10);
        while (DateTimeOffset.UtcNow < deadline)
        {
            var pending = (await rita.GetAsync("/api/v1/approvals?status=Pending").Expect(HttpStatusCode.OK))
                .EnumerateArray()
                .FirstOrDefault(a =>
                    a.GetProperty("modelId").GetString() == model
                    && a.GetProperty("version").GetString() == version
                    && a.GetProperty("environment").GetString() == environment
                );
            if (pending.ValueKind == JsonValueKind.Object)
            {
                await LiveLedgerApp.SignOffAsync(rita, pending);
                await LiveLedgerApp.SignOffAsync(ravi, pending);
                return;
            }
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        Assert.Fail($"no approval of {model} {version} for {environment} was requested within 10 minutes");
    }

    /// <summary>A fenced block (its language and body) or a doc-test marker, in the page's order.</summary>
    [GeneratedRegex(
        @"^<!-- doc-test: (?<marker>[^>]*?) -->$|^```(?<lang>\w*)\n(?<body>.*?)\n```$",
        RegexOptions.Multiline | RegexOptions.Singleline
    )]
    private static partial Regex DocItem();

    [GeneratedRegex(@"confirm the code (\S+)")]
    private static partial Regex SignInCode();

    [GeneratedRegex(@"\$\{\{(.*?)\}\}")]
    private static partial Regex GitHubExpression();
}
