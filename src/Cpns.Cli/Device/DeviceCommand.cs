using System.CommandLine;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cpns.Cli.Configuration;
using Cpns.Cli.Control;
using Cpns.Device.Client;
using Cpns.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Cpns.Cli.Device;

/// <summary>
/// <c>cpns device pair|run|send|listen|status</c>: a PNE from the command line. One process at a time uses a data
/// directory (<c>device.lock</c>): the PNE's MQTT identity and its key store's message counters are not shared;
/// <c>send</c> beside a running <c>run</c> or <c>listen</c> goes through that process's control socket instead.
/// </summary>
internal static class DeviceCommand
{
    /// <summary>The first words of the line <c>run</c> and <c>listen</c> print once connected and subscribed.</summary>
    public const string ReadyPrefix = "cpns device ready:";

    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "PNE data directory (device.key, device.store).", DefaultValueFactory = _ => Path.Combine("data", "device") };
        var config = CliConfiguration.ConfigOption();
        var device = new Command("device", "PNE: pair with a PN Gateway, receive Group Keys, send and receive group messages. "
            + "Every option can also be set in the Device section of the settings file (--pn as Device:Pn) or as CPNS_Device__Pn.");
        device.Subcommands.Add(Pair(data, config));
        device.Subcommands.Add(Run(data, config));
        device.Subcommands.Add(Send(data, config));
        device.Subcommands.Add(Listen(data, config));
        device.Subcommands.Add(Status(data, config));
        return device;
    }

    private static Option<string> PnOption() => new("--pn") { Description = "Address:port of the PN broker (the gateway's --pn-listen).", DefaultValueFactory = _ => "127.0.0.1:8883" };

    private static IConfigurationSection Settings(ParseResult parse, Option<string?> config) =>
        CliConfiguration.Load(parse.GetValue(config)).GetSection("Device");

    private static Command Pair(Option<string> data, Option<string?> config)
    {
        var code = new Option<string>("--code") { Description = "The code `cpns gateway pair` shows.", Required = true };
        var gateway = new Option<string>("--gateway") { Description = "Address:port of the gateway's pairing listener (its --pairing-listen).", DefaultValueFactory = _ => "127.0.0.1:8884" };
        var pneId = new Option<string>("--pne-id") { Description = "The id this PNE gets in the PN (its certificate CN).", Required = true };
        var pair = new Command("pair", "Pair with a PN Gateway (EU-Key assignment); stores the EU-Key, certificate and PN CA in the data directory.") { config, data, code, gateway, pneId };
        pair.SetAction(async (parse, ct) =>
        {
            var settings = Settings(parse, config);
            try
            {
                await using var client = await DeviceClient.PairAsync(
                    new DeviceClientOptions { DataDirectory = CliConfiguration.Value(parse, data, settings) },
                    parse.GetValue(code)!,
                    Endpoint(CliConfiguration.Value(parse, gateway, settings)),
                    parse.GetValue(pneId)!,
                    cancellationToken: ct).ConfigureAwait(false);
                await Console.Out.WriteLineAsync($"paired: PNE {client.PneId} in PN {client.Store.PnId} (gateway {client.Store.GatewayId})").ConfigureAwait(false);
                return 0;
            }
            catch (Exception e) when (e is PairingFailedException or FormatException or ArgumentException)
            {
                await Console.Error.WriteLineAsync("pairing failed: " + e.Message).ConfigureAwait(false);
                return 1;
            }
        });
        return pair;
    }

    private static Command Run(Option<string> data, Option<string?> config)
    {
        var pn = PnOption();
        var run = new Command("run", "Run the PNE until SIGTERM or Ctrl+C: GKDK, Group Keys, deletes; prints opened group messages.") { config, data, pn };
        run.SetAction((parse, ct) =>
        {
            var settings = Settings(parse, config);
            return RunAsync(CliConfiguration.Value(parse, data, settings), CliConfiguration.Value(parse, pn, settings), group: null, ct);
        });
        return run;
    }

    private static Command Listen(Option<string> data, Option<string?> config)
    {
        var pn = PnOption();
        var group = new Option<string?>("--group") { Description = "Print only this group's messages." };
        var listen = new Command("listen", "Like run, printing one line per opened group message: group, sender, text.") { config, data, pn, group };
        listen.SetAction((parse, ct) =>
        {
            var settings = Settings(parse, config);
            return RunAsync(CliConfiguration.Value(parse, data, settings), CliConfiguration.Value(parse, pn, settings), parse.GetValue(group), ct);
        });
        return listen;
    }

    private static Command Send(Option<string> data, Option<string?> config)
    {
        var pn = PnOption();
        var group = new Option<string>("--group") { Description = "The Service Group.", Required = true };
        var message = new Option<string>("--message") { Description = "The text to send (UTF-8, at most 64 KiB).", Required = true };
        var send = new Command("send", "Seal a message to the group under its current Group Key and publish it through the PN: through the running "
            + "`cpns device run` of the data directory when there is one, else connecting on its own.") { config, data, pn, group, message };
        send.SetAction(async (parse, ct) =>
        {
            var settings = Settings(parse, config);
            var directory = CliConfiguration.Value(parse, data, settings);
            if (ControlChannel.IsServed(directory))
            {
                var answer = await ControlChannel.RequestAsync(directory, new JsonObject { ["command"] = "send", ["group"] = parse.GetValue(group), ["message"] = parse.GetValue(message) }, ct).ConfigureAwait(false);
                if (answer["error"] is { } error)
                {
                    await Console.Error.WriteLineAsync((string?)error).ConfigureAwait(false);
                    return 1;
                }

                await Console.Out.WriteLineAsync("sent").ConfigureAwait(false);
                return 0;
            }

            using var gate = Lock(directory);
            await using var client = await DeviceClient.OpenAsync(new DeviceClientOptions { DataDirectory = directory }, cancellationToken: ct).ConfigureAwait(false);
            await client.StartAsync(Endpoint(CliConfiguration.Value(parse, pn, settings)), ct).ConfigureAwait(false);
            try
            {
                await client.SendAsync(parse.GetValue(group)!, Encoding.UTF8.GetBytes(parse.GetValue(message)!), ct).ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
                return 1;
            }

            await Console.Out.WriteLineAsync("sent").ConfigureAwait(false);
            return 0;
        });
        return send;
    }

    private static Command Status(Option<string> data, Option<string?> config)
    {
        var status = new Command("status", "Show the PNE: PN, gateway, leaf, groups and epochs (never key bytes).") { config, data };
        status.SetAction(async (parse, ct) =>
        {
            // Reading only: safe beside a running PNE (the store is replaced atomically).
            var directory = CliConfiguration.Value(parse, data, Settings(parse, config));
            await using var client = await DeviceClient.OpenAsync(new DeviceClientOptions { DataDirectory = directory }, cancellationToken: ct).ConfigureAwait(false);
            var s = await client.GetStatusAsync(ct).ConfigureAwait(false);
            await Console.Out.WriteLineAsync($"PNE {s.PneId}  PN {s.PnId}  gateway {s.GatewayId}  leaf {(s.Leaf is { } l ? l.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")}").ConfigureAwait(false);
            foreach (var g in s.Groups)
            {
                await Console.Out.WriteLineAsync($"  group {g.GroupId}: {g.Status} epoch {g.Epoch} (highest seen {g.HighestSeenEpoch})").ConfigureAwait(false);
            }

            return 0;
        });
        return status;
    }

    private static async Task<int> RunAsync(string data, string pn, string? group, CancellationToken ct)
    {
        using var gate = Lock(data);
        using var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        await using var client = await DeviceClient.OpenAsync(new DeviceClientOptions { DataDirectory = data }, logs, ct).ConfigureAwait(false);
        await client.StartAsync(Endpoint(pn), ct).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var control = ControlChannel.ServeAsync(ControlChannel.SocketPath(data), (request, token) => HandleAsync(client, request, token), stop.Token);
        await Console.Out.WriteLineAsync($"{ReadyPrefix} PNE {client.PneId} running in PN {client.Store.PnId}").ConfigureAwait(false);
        try
        {
            await foreach (var receipt in client.ReadMessagesAsync(ct).ConfigureAwait(false))
            {
                if (group is null || receipt.GroupId == group)
                {
                    await Console.Out.WriteLineAsync($"[{receipt.GroupId}] {receipt.SenderPneId}: {Encoding.UTF8.GetString(receipt.Payload.Span)}").ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // SIGTERM / Ctrl+C: a normal stop.
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await control.ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task<JsonObject> HandleAsync(DeviceClient client, JsonObject request, CancellationToken cancellationToken)
    {
        switch ((string?)request["command"])
        {
            case "send":
                var text = (string?)request["message"] ?? string.Empty;
                await client.SendAsync((string?)request["group"] ?? string.Empty, Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
                return new JsonObject { ["status"] = "sent" };
            default:
                return ControlChannel.Error("unknown command");
        }
    }

    private static FileStream Lock(string data)
    {
        try
        {
            return new FileStream(Path.Combine(Path.GetFullPath(data), "device.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException("Another cpns device process uses this data directory.", e);
        }
    }

    private static MqttBrokerEndpoint Endpoint(string text) =>
        MqttBrokerEndpoint.TryParse(text, out var endpoint) ? endpoint : MqttBrokerEndpoint.FromIPEndPoint(IPEndPoint.Parse(text));
}
