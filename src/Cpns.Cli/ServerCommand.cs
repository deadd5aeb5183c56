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
        var mqtt = new Option<string>("--mqtt") { Description = "Listen address of the embedded MQTT broker (TLS, client certificates), host:port; port 0 picks a free port. Ignored with --broker.", DefaultValueFactory = _ => "127.0.0.1:8883" };
        var broker = new Option<string?>("--broker") { Description = "Use an external broker, mqtts://host:port, instead of the embedded one. It must trust the server CA (DATA/ca.crt; see 'cpns server broker-cert') for client certificates, map the certificate CN to the user and apply the topic ACL of docs/architecture.md." };
        var brokerCa = new Option<string?>("--broker-ca") { Description = "PEM file of the CA the external broker's certificate chains to; the server's own CA when absent." };
        var mqttName = new Option<string[]>("--mqtt-name") { Description = "Extra DNS name or IP address of the embedded broker's certificate (repeatable); the first is told to enrolling gateways when --mqtt listens on a wildcard address.", AllowMultipleArgumentsPerToken = true };
        var mqttClientId = new Option<string?>("--mqtt-client-id") { Description = "MQTT client id on an external broker (default cpns-server); instances sharing one broker need different ids." };

        var server = new Command("server", "Run the CPNS Server (REST API, Group Key lifecycle, gateway enrollment, MQTT delivery to PN GWs).") { data, http, db, mqtt, broker, brokerCa, mqttName, mqttClientId };
        server.SetAction(async (parse, ct) =>
        {
            var options = Options(parse.GetValue(data)!, parse.GetValue(db));
            options.HttpUrls.Clear();
            foreach (var url in parse.GetValue(http)!)
            {
                options.HttpUrls.Add(url);
            }

            options.MqttListen = parse.GetValue(mqtt)!;
            options.Broker = parse.GetValue(broker);
            options.BrokerCaPath = parse.GetValue(brokerCa);
            options.MqttClientId = parse.GetValue(mqttClientId);
            foreach (var name in parse.GetValue(mqttName) ?? [])
            {
                options.MqttNames.Add(name);
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

        var output = new Option<string>("--out") { Description = "Directory for ca.crt, broker.crt and broker.key (0600).", Required = true };
        var names = new Option<string[]>("--name") { Description = "DNS name or IP address of the broker (repeatable).", AllowMultipleArgumentsPerToken = true };
        var brokerCert = new Command("broker-cert", "Write the server CA and a broker TLS certificate from it, for an external broker (Mosquitto).") { data, db, output, names };
        brokerCert.SetAction(async (parse, ct) =>
        {
            await ServerHost.IssueBrokerCertificateAsync(Options(parse.GetValue(data)!, parse.GetValue(db)), parse.GetValue(output)!, parse.GetValue(names) ?? [], ct).ConfigureAwait(false);
            return 0;
        });
        server.Subcommands.Add(brokerCert);
        return server;
    }

    private static ServerOptions Options(string data, string? db) => new() { DataDirectory = data, Database = db };
}
