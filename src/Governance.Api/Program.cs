using Governance.Api.Hosting;
using Governance.Api.Identity;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddGovernance();

    var app = builder.Build();
    if (args is ["admin", .. var command])
        return await AdminCommands.RunAsync(app.Services, command, Console.In, Console.Out, Console.Error);
    if (args is ["migrate", .. var migrate])
        return await DatabaseMigration.RunAsync(app.Services, migrate, Console.Out, Console.Error);

    app.UseGovernance();
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (ConfigurationProblem.In(e) is { } problem)
{
    // An operator's missing or malformed setting: one line naming it, not a stack trace.
    await Console.Error.WriteLineAsync($"Governance cannot start: {problem.Message}");
    return 2;
}

public partial class Program;
