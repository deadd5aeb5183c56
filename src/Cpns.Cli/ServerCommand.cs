using System.CommandLine;
using Cpns.Server;

namespace Cpns.Cli;

/// <summary><c>cpns server</c> (run the CPNS Server) and <c>cpns server add-api-key</c>.</summary>
internal static class ServerCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data directory (SQLite database, master key).", DefaultValueFactory = _ => "data" };
        var http = new Option<string[]>("--http") { Description = "URL(s) to listen on, http:// or https://.", DefaultValueFactory = _ => ["http://127.0.0.1:8080"], AllowMultipleArgumentsPerToken = true };
        var db = new Option<string?>("--db") { Description = "PostgreSQL connection string; SQLite under --data when absent." };

        var server = new Command("server", "Run the CPNS Server (REST API, Group Key lifecycle).") { data, http, db };
        server.SetAction(async (parse, ct) =>
        {
            var options = Options(parse.GetValue(data)!, parse.GetValue(db));
            options.HttpUrls.Clear();
            foreach (var url in parse.GetValue(http)!)
            {
                options.HttpUrls.Add(url);
            }

            await ServerHost.RunAsync(options, ct).ConfigureAwait(false);
            return 0;
        });

        var name = new Option<string>("--name") { Description = "Application name (application scope) or label (operator scope).", Required = true };
        var scope = new Option<ApiKeyScope>("--scope") { Description = "operator or application.", DefaultValueFactory = _ => ApiKeyScope.Application };
        var addKey = new Command("add-api-key", "Create an API key and print it once.") { data, db, name, scope };
        addKey.SetAction(async (parse, ct) =>
        {
            var key = await ServerHost.AddApiKeyAsync(Options(parse.GetValue(data)!, parse.GetValue(db)), parse.GetValue(name)!, parse.GetValue(scope), ct).ConfigureAwait(false);
            await Console.Out.WriteLineAsync(key).ConfigureAwait(false);
            return 0;
        });
        server.Subcommands.Add(addKey);
        return server;
    }

    private static ServerOptions Options(string data, string? db) => new() { DataDirectory = data, Database = db };
}
