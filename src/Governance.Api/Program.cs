using Governance.Api.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddGovernance();

var app = builder.Build();
app.UseGovernance();
app.Run();

public partial class Program;
