using ServerlessBackOffice.Cli;

// The `backoffice` command. Each subcommand lives in Commands/ and is registered in BackOfficeCommand.
return await BackOfficeCommand.Create().Parse(args).InvokeAsync();
