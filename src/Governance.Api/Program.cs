using Governance.Api.Hosting;
using Governance.Api.Identity;

var builder = WebApplication.CreateBuilder(args);
builder.AddGovernance();

var app = builder.Build();
if (args is ["admin", .. var command])
    return await AdminCommands.RunAsync(app.Services, command, Console.In, Console.Out, Console.Error);
if (args is ["migrate", .. var migrate])
    return await DatabaseMigration.RunAsync(app.Services, migrate, Console.Out, Console.Error);

app.UseGovernance();
app.Run();
return 0;

public partial class Program;
