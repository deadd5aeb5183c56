using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cpns.Cli.Configuration;
using Cpns.Cli.Control;
using Cpns.Gateway;
using Cpns.Gateway.Hosting;
using Cpns.Gateway.ServerLink;
using Cpns.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Cpns.Cli.Gateway;

/// <summary><c>cpns gateway run|pair|remove-pne|status</c>: the PN Gateway's PN side.</summary>
internal static class GatewayCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Gateway data directory (gateway.db, gateway.key, PN CA, retained broadcasts, control socket).", DefaultValueFactory = _ => Path.Combine("data", "gateway") };
        var config = CliConfiguration.ConfigOption();
        var gateway = new Command("gateway", "PN Gateway: the PN broker, pairing of PNEs, GKDK assignment and Group Key broadcast in the PN. "
            + "Every option can also be set in the Gateway section of the settings file (--pn-listen as Gateway:PnListen) or as CPNS_Gateway__PnListen.");
        gateway.Subcommands.Add(Run(data, config));
        gateway.Subcommands.Add(Pair(data, config));
        gateway.Subcommands.Add(RemovePne(data, config));
        gateway.Subcommands.Add(Status(data, config));
        return gateway;
    }

    private static Command Run(Option<string> data, Option<string?> config)
    {
        var pnId = new Option<string?>("--pn-id") { Description = "The PN id (first start; later read from the data directory)." };
        var gatewayId = new Option<string?>("--gateway-id") { Description = "The gateway id, CN of its certificates (first start; later read from the data directory)." };
        var pnListen = new Option<string>("--pn-listen") { Description = "Address:port of the PN broker (TLS, client certificates required).", DefaultValueFactory = _ => "127.0.0.1:8883" };
        var pairingListen = new Option<string>("--pairing-listen") { Description = "Address:port of the pairing listener (TLS, pairing topics only); same address as --pn-listen.", DefaultValueFactory = _ => "127.0.0.1:8884" };
        var server = new Option<string?>("--server") { Description = "The CPNS Server's REST address for enrollment, e.g. https://cpns.example:8443 (http only on loopback). Without it and without an earlier enrollment the gateway runs its PN alone." };
        var enrollToken = new Option<string?>("--enroll-token") { Description = "One-time enrollment token from `POST /gateways/enrollments`; used on the first start only, afterwards the stored certificate is used." };
        var serverMqtt = new Option<string?>("--server-mqtt") { Description = "The server broker, mqtts://host:port, overriding the address the enrollment returned." };
        var serverCa = new Option<string?>("--server-ca") { Description = "PEM file of the CA of the server's HTTPS certificate (enrollment); the system trust store when absent." };
        var verbose = new Option<bool>("--verbose") { Description = "Log at debug level (every flow step)." };
        var run = new Command("run", "Run the gateway until SIGTERM or Ctrl+C; with --server (or once enrolled) linked to the CPNS Server.") { config, data, pnId, gatewayId, pnListen, pairingListen, server, enrollToken, serverMqtt, serverCa, verbose };
        run.SetAction(async (parse, ct) =>
        {
            var settings = CliConfiguration.Load(parse.GetValue(config)).GetSection("Gateway");
            if (!IPEndPoint.TryParse(CliConfiguration.Value(parse, pnListen, settings), out var pn)
                || !IPEndPoint.TryParse(CliConfiguration.Value(parse, pairingListen, settings), out var pairing))
            {
                await Console.Error.WriteLineAsync("--pn-listen and --pairing-listen must be address:port, e.g. 127.0.0.1:8883.").ConfigureAwait(false);
                return 2;
            }

            if (!pn.Address.Equals(pairing.Address))
            {
                await Console.Error.WriteLineAsync("--pn-listen and --pairing-listen must use the same address.").ConfigureAwait(false);
                return 2;
            }

            var directory = CliConfiguration.Value(parse, data, settings);
            var core = new GatewayOptions();
            settings.Bind(core);
            core.DataDirectory = directory;
            var options = new GatewayHostOptions
            {
                Gateway = core,
                PnId = CliConfiguration.Value(parse, pnId, settings),
                GatewayId = CliConfiguration.Value(parse, gatewayId, settings),
                Address = pn.Address,
                Port = pn.Port,
                PairingPort = pairing.Port,
            };
            Uri? serverUri = null;
            if (CliConfiguration.Value(parse, server, settings) is { } serverText && !Uri.TryCreate(serverText, UriKind.Absolute, out serverUri))
            {
                await Console.Error.WriteLineAsync("--server must be an absolute URL, e.g. https://cpns.example:8443.").ConfigureAwait(false);
                return 2;
            }

            MqttBrokerEndpoint? mqtt = null;
            if (CliConfiguration.Value(parse, serverMqtt, settings) is { } mqttText && !MqttBrokerEndpoint.TryParse(mqttText, out mqtt))
            {
                await Console.Error.WriteLineAsync("--server-mqtt must be mqtts://host:port.").ConfigureAwait(false);
                return 2;
            }

            using var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(CliConfiguration.Value(parse, verbose, settings) ? LogLevel.Debug : LogLevel.Information));
            var linked = serverUri is not null || ServerLink.IsEnrolled(directory);
            var linkOptions = new ServerLinkOptions();
            settings.GetSection("ServerLink").Bind(linkOptions);
            linkOptions.Server = serverUri;
            linkOptions.EnrollmentToken = CliConfiguration.Value(parse, enrollToken, settings);
            linkOptions.Mqtt = mqtt;
            linkOptions.ServerCaPath = CliConfiguration.Value(parse, serverCa, settings);

            // Disposed before the host (inside RunLinkedAsync) and here again in case the host never started.
            var link = linked ? new ServerLink(linkOptions, logs) : null;
            try
            {
                return await RunLinkedAsync(options, link, directory, logs, ct).ConfigureAwait(false);
            }
            finally
            {
                if (link is not null)
                {
                    await link.DisposeAsync().ConfigureAwait(false);
                }
            }
        });
        return run;
    }

    private static async Task<int> RunLinkedAsync(GatewayHostOptions options, ServerLink? link, string directory, ILoggerFactory logs, CancellationToken ct)
    {
        await using var host = await GatewayHost.StartAsync(options, link, logs, cancellationToken: ct).ConfigureAwait(false);
        try
        {
            if (link is not null)
            {
                try
                {
                    await link.StartAsync(host, ct).ConfigureAwait(false);
                }
                catch (GatewayStartupException e)
                {
                    await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
                    return 1;
                }
            }

            // The control socket listens before the ready line (ServeAsync binds and listens before its first await):
            // whoever waits for that line (cpns demo) asks for a pairing code at once.
            // System.CommandLine cancels ct on SIGINT and SIGTERM: the host then stops gracefully.
            var control = ControlChannel.ServeAsync(ControlChannel.SocketPath(directory), (request, token) => HandleAsync(host, request, token), ct);
            await Console.Out.WriteLineAsync($"gateway {host.GatewayId} of PN {host.PnId}: PN broker {host.PnEndpoint}, pairing {host.PairingEndpoint}"
                + (link is null ? "; no server link" : $"; server broker {link.Broker}")).ConfigureAwait(false);
            await control.ConfigureAwait(false);
            return 0;
        }
        finally
        {
            // Before the host goes: nothing from the server may reach a disposed host.
            if (link is not null)
            {
                await link.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<JsonObject> HandleAsync(GatewayHost host, JsonObject request, CancellationToken cancellationToken)
    {
        switch ((string?)request["command"])
        {
            case "pair":
                var ttl = request["ttlSeconds"] is { } t ? TimeSpan.FromSeconds((double)t) : (TimeSpan?)null;
                var ticket = host.StartPairing((string?)request["alias"], ttl);
                return new JsonObject
                {
                    ["code"] = ticket.Code,
                    ["session"] = ticket.Session,
                    ["expiresAt"] = ticket.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
                    ["pairingEndpoint"] = host.PairingEndpoint.ToString(),
                    ["pnId"] = host.PnId,
                };
            case "remove-pne":
                var result = await host.RemovePneAsync((string?)request["pneId"] ?? string.Empty, cancellationToken).ConfigureAwait(false);
                return new JsonObject { ["status"] = result.Status.ToString(), ["groups"] = new JsonArray([.. result.AffectedGroupIds.Select(g => (JsonNode)g)]) };
            case "status":
                var status = await host.GetStatusAsync(cancellationToken).ConfigureAwait(false);
                return JsonSerializer.SerializeToNode(status)!.AsObject();
            default:
                return ControlChannel.Error("unknown command");
        }
    }

    private static Command Pair(Option<string> data, Option<string?> config)
    {
        var alias = new Option<string?>("--alias") { Description = "Name of the PNE in the PN inventory, e.g. \"kitchen speaker\"." };
        var ttl = new Option<int?>("--ttl") { Description = "Seconds the code stays valid (default 300)." };
        var pair = new Command("pair", "Start pairing a PNE: shows a single-use code to enter on the PNE (`cpns device pair --code`). Needs the running gateway.") { config, data, alias, ttl };
        pair.SetAction(async (parse, ct) =>
        {
            var request = new JsonObject { ["command"] = "pair", ["alias"] = parse.GetValue(alias) };
            if (parse.GetValue(ttl) is { } seconds)
            {
                request["ttlSeconds"] = seconds;
            }

            var answer = await ControlChannel.RequestAsync(DataDirectory(parse, data, config), request, ct).ConfigureAwait(false);
            if (answer["error"] is { } error)
            {
                await Console.Error.WriteLineAsync((string?)error).ConfigureAwait(false);
                return 1;
            }

            await Console.Out.WriteLineAsync($"code: {answer["code"]}").ConfigureAwait(false);
            await Console.Out.WriteLineAsync($"pairing listener: {answer["pairingEndpoint"]}  PN: {answer["pnId"]}  expires: {answer["expiresAt"]}").ConfigureAwait(false);
            return 0;
        });
        return pair;
    }

    private static Command RemovePne(Option<string> data, Option<string?> config)
    {
        var pne = new Option<string>("--pne-id") { Description = "The PNE to remove from the PN for good.", Required = true };
        var remove = new Command("remove-pne", "Remove a PNE: it is told to delete its Group Keys, is excluded from every later broadcast, and may not use the PN broker again.") { config, data, pne };
        remove.SetAction(async (parse, ct) =>
        {
            var answer = await ControlChannel.RequestAsync(DataDirectory(parse, data, config), new JsonObject { ["command"] = "remove-pne", ["pneId"] = parse.GetValue(pne) }, ct).ConfigureAwait(false);
            await Console.Out.WriteLineAsync(answer.ToJsonString()).ConfigureAwait(false);
            return answer["error"] is null && (string?)answer["status"] == "Removed" ? 0 : 1;
        });
        return remove;
    }

    private static Command Status(Option<string> data, Option<string?> config)
    {
        var status = new Command("status", "Show the PN: PNEs, leaves, groups, epochs and deliveries (never key bytes). Needs the running gateway.") { config, data };
        status.SetAction(async (parse, ct) =>
        {
            var answer = await ControlChannel.RequestAsync(DataDirectory(parse, data, config), new JsonObject { ["command"] = "status" }, ct).ConfigureAwait(false);
            await Console.Out.WriteLineAsync(answer.ToJsonString(new JsonSerializerOptions { WriteIndented = true })).ConfigureAwait(false);
            return answer["error"] is null ? 0 : 1;
        });
        return status;
    }

    private static string DataDirectory(ParseResult parse, Option<string> data, Option<string?> config) =>
        CliConfiguration.Value(parse, data, CliConfiguration.Load(parse.GetValue(config)).GetSection("Gateway"));
}
