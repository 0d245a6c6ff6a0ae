namespace Governance.Serving.Host;

public class Program
{
    /// <summary>Runs the host; exits 2 with every configuration problem on stderr when the "Serving" settings cannot work.</summary>
    public static int Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        try
        {
            builder.AddScoringHost();
        }
        catch (ScoringHostConfigurationException invalid)
        {
            Console.Error.WriteLine(invalid.Message);
            return 2;
        }
        var app = builder.Build();
        app.MapScoringHost();
        app.Run();
        return 0;
    }
}
