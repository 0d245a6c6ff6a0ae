return await Governance.Cli.CliApp.RunAsync(args, Console.Out, Console.Error);
