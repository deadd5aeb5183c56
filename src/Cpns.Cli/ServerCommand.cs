using System.CommandLine;
using Cpns.Cli.Configuration;
using Cpns.Server;
using Microsoft.Extensions.Configuration;

namespace Cpns.Cli;

/// <summary><c>cpns server</c> (run the CPNS Server) and <c>cpns server add-api-key|broker-cert</c>.</summary>
internal static class ServerCommand
{
    /// <summary>The first words of the line <c>cpns server</c> prints once it serves; <c>cpns demo</c> and the tests wait for it.</summary>
    public const string ReadyPrefix = "cpns server ready:";

    public static Command Create()
    {
        var config = CliConfiguration.ConfigOption();
        var data = new Option<string>("--data") { Description = "Data directory (SQLite database, master key, certificates). Setting Server:DataDirectory.", DefaultValueFactory = _ => "data" };
        var http = new Option<string[]>("--http") { Description = "URL(s) to listen on, http:// or https://; port 0 picks a free port. Setting Server:HttpUrls.", DefaultValueFactory = _ => ["http://127.0.0.1:8080"], AllowMultipleArgumentsPerToken = true };
        var db = new Option<string?>("--db") { Description = "PostgreSQL connection string; SQLite under --data when absent. Setting Server:Database." };
        var mqtt = new Option<string>("--mqtt") { Description = "Listen address of the embedded MQTT broker (TLS, client certificates), host:port; port 0 picks a free port. Ignored with --broker. Setting Server:MqttListen.", DefaultValueFactory = _ => "127.0.0.1:8883" };
        var broker = new Option<string?>("--broker") { Description = "Use an external broker, mqtts://host:port, instead of the embedded one. It must trust the server CA (see 'cpns server broker-cert') for client certificates, map the certificate CN to the user and apply the topic ACL of docs/architecture.md. Setting Server:Broker." };
        var brokerCa = new Option<string?>("--broker-ca") { Description = "PEM file of the CA the external broker's certificate chains to; the server's own CA when absent. Setting Server:BrokerCaPath." };
        var mqttName = new Option<string[]>("--mqtt-name") { Description = "Extra DNS name or IP address of the embedded broker's certificate (repeatable); the first is told to enrolling gateways when --mqtt listens on a wildcard address. Setting Server:MqttNames.", AllowMultipleArgumentsPerToken = true };
        var mqttClientId = new Option<string?>("--mqtt-client-id") { Description = "MQTT client id on an external broker (default cpns-server); instances sharing one broker need different ids. Setting Server:MqttClientId." };
        var instance = new Option<string?>("--instance") { Description = "Name of this instance in delivery and rotation leases (default: machine name and a random suffix). Setting Server:InstanceName." };

        var server = new Command("server", "Run the CPNS Server (REST API, Group Key lifecycle, gateway enrollment, MQTT delivery to PN GWs) until SIGTERM or Ctrl+C. "
            + "Every other setting of ServerOptions (retry delays, rotation check interval, HTTPS certificate, master key) comes from the Server section of the settings file or CPNS_Server__<Name>; "
            + "the master key also from CPNS_MASTER_KEY or DATA/master.key (made on first start).")
        {
            config, data, http, db, mqtt, broker, brokerCa, mqttName, mqttClientId, instance,
        };
        server.SetAction(async (parse, ct) =>
        {
            var options = Options(parse, config, data, db);
            CliConfiguration.Override(parse, http, urls =>
            {
                options.HttpUrls.Clear();
                foreach (var url in urls)
                {
                    options.HttpUrls.Add(url);
                }
            });
            CliConfiguration.Override(parse, mqtt, v => options.MqttListen = v);
            CliConfiguration.Override(parse, broker, v => options.Broker = v);
            CliConfiguration.Override(parse, brokerCa, v => options.BrokerCaPath = v);
            CliConfiguration.Override(parse, mqttClientId, v => options.MqttClientId = v);
            CliConfiguration.Override(parse, instance, v => options.InstanceName = v);
            CliConfiguration.Override(parse, mqttName, names =>
            {
                foreach (var name in names)
                {
                    options.MqttNames.Add(name);
                }
            });

            var host = await ServerHost.StartAsync(options, ct).ConfigureAwait(false);
            await using (host.ConfigureAwait(false))
            {
                await Console.Out.WriteLineAsync($"{ReadyPrefix} http {string.Join(' ', host.Addresses)} mqtt {host.MqttEndpoint}").ConfigureAwait(false);
                await Console.Out.FlushAsync(ct).ConfigureAwait(false);

                // SIGTERM / Ctrl+C cancel ct; disposing then stops Kestrel after the requests in flight and the
                // delivery and rotation loops after their current unit of work, which is committed or left leased
                // for the next instance (docs/operations.md, "Stopping").
                await host.WaitForShutdownAsync(ct).ConfigureAwait(false);
            }

            return 0;
        });

        var name = new Option<string>("--name") { Description = "Application name (application scope) or label (operator scope).", Required = true };
        var scope = new Option<ApiKeyScope>("--scope") { Description = "operator or application.", DefaultValueFactory = _ => ApiKeyScope.Application };
        var addKey = new Command("add-api-key", "Create an API key and print it once.") { config, data, db, name, scope };
        addKey.SetAction(async (parse, ct) =>
        {
            var key = await ServerHost.AddApiKeyAsync(Options(parse, config, data, db), parse.GetValue(name)!, parse.GetValue(scope), ct).ConfigureAwait(false);
            await Console.Out.WriteLineAsync(key).ConfigureAwait(false);
            return 0;
        });
        server.Subcommands.Add(addKey);

        var output = new Option<string>("--out") { Description = "Directory for ca.crt, broker.crt and broker.key (0600).", Required = true };
        var names = new Option<string[]>("--name") { Description = "DNS name or IP address of the broker (repeatable).", AllowMultipleArgumentsPerToken = true };
        var mosquitto = new Option<string?>("--mosquitto-listen") { Description = "Also write mosquitto.conf and acl for Mosquitto listening on this address:port: TLS 1.2+, client certificates from the server CA required, the certificate CN as user, the topic ACL of docs/architecture.md." };
        var brokerCert = new Command("broker-cert", "Write the server CA and a broker TLS certificate from it, for an external broker (Mosquitto).") { config, data, db, output, names, mosquitto };
        brokerCert.SetAction(async (parse, ct) =>
        {
            var directory = Path.GetFullPath(parse.GetValue(output)!);
            System.Net.IPEndPoint? listen = null;
            if (parse.GetValue(mosquitto) is { } text && !System.Net.IPEndPoint.TryParse(text, out listen))
            {
                await Console.Error.WriteLineAsync("--mosquitto-listen must be address:port, e.g. 127.0.0.1:8883.").ConfigureAwait(false);
                return 2;
            }

            await ServerHost.IssueBrokerCertificateAsync(Options(parse, config, data, db), directory, parse.GetValue(names) ?? [], ct).ConfigureAwait(false);
            if (listen is not null)
            {
                await MosquittoConfig.WriteAsync(directory, listen, ct).ConfigureAwait(false);
                await Console.Out.WriteLineAsync($"wrote {Path.Combine(directory, MosquittoConfig.ConfigFileName)}; run: mosquitto -c {Path.Combine(directory, MosquittoConfig.ConfigFileName)}").ConfigureAwait(false);
            }

            return 0;
        });
        server.Subcommands.Add(brokerCert);

        var newKeyOut = new Option<string?>("--new-key-out") { Description = "File for the new key (base64, 0600) when the current one comes from CPNS_MASTER_KEY or the settings; with DATA/master.key the file is replaced in place." };
        var rotate = new Command("rotate-master-key", "Re-seal every secret at rest (GKs, per-gateway keys, server CA key, HTTPS certificate) under a new master key, in one transaction. "
            + "Stop every server instance first; run it again to finish a rotation a crash interrupted.") { config, data, db, newKeyOut };
        rotate.SetAction(async (parse, ct) =>
        {
            try
            {
                var (groupKeys, gatewayKeys) = await ServerHost.RotateMasterKeyAsync(Options(parse, config, data, db), parse.GetValue(newKeyOut), ct).ConfigureAwait(false);
                await Console.Out.WriteLineAsync($"master key rotated: {groupKeys} group keys and {gatewayKeys} gateway keys re-sealed"
                    + (parse.GetValue(newKeyOut) is { } file ? $"; the new key is in {file}: give it to every instance (CPNS_MASTER_KEY)" : string.Empty)).ConfigureAwait(false);
                return 0;
            }
            catch (InvalidOperationException e)
            {
                await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
                return 1;
            }
        });
        server.Subcommands.Add(rotate);
        return server;
    }

    /// <summary>The Server section of the settings, then the data and database options when given.</summary>
    private static ServerOptions Options(ParseResult parse, Option<string?> config, Option<string> data, Option<string?> db)
    {
        var section = CliConfiguration.Load(parse.GetValue(config)).GetSection("Server");
        var options = new ServerOptions();
        if (section.GetSection(nameof(ServerOptions.HttpUrls)).Exists())
        {
            // The binder appends to a list; the file's URLs replace the default.
            options.HttpUrls.Clear();
        }

        section.Bind(options);
        CliConfiguration.Override(parse, data, v => options.DataDirectory = v);
        CliConfiguration.Override(parse, db, v => options.Database = v);
        return options;
    }
}
