using InstantViews.Cli;

return Cli.Run(args);
