namespace Governance.Serving.Host;

public class Program
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddScoringHost();
        var app = builder.Build();
        app.MapScoringHost();
        app.Run();
    }
}
