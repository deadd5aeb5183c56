namespace Cpns.Transport;

/// <summary>
/// Thrown by <see cref="MqttConnection.PublishAsync"/> or <see cref="MqttConnection.SubscribeAsync"/> when they are
/// called from the same connection's <see cref="MqttConnection.MessageReceived"/> handler and the link drops under
/// them: there they cannot wait for the reconnect (see <see cref="MqttConnection"/>). A handler's outer boundary
/// should let it pass, so that the connection logs it as the link loss it is, not as a failed message.
/// </summary>
public sealed class ConnectionLostException : Exception
{
    /// <summary>Creates an exception with no message.</summary>
    public ConnectionLostException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What was not sent.</param>
    public ConnectionLostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    /// <param name="message">What was not sent.</param>
    /// <param name="innerException">The transport's report of the loss.</param>
    public ConnectionLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
