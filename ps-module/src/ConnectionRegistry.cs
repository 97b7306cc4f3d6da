using System;
using System.Collections.Generic;
using System.Linq;

namespace ExoNative
{
    /// <summary>
    /// The connections of this process. Process-wide on purpose: a connection made in one
    /// runspace is usable from others (ForEach-Object -Parallel), and native handles are
    /// thread-safe. Ids count up and are never reused, as in Microsoft's module.
    /// </summary>
    internal static class ConnectionRegistry
    {
        private static readonly object s_lock = new();
        private static readonly List<Connection> s_connections = new();
        private static int s_lastId;

        internal static int NextId()
        {
            lock (s_lock)
            {
                return ++s_lastId;
            }
        }

        internal static void Add(Connection connection)
        {
            lock (s_lock)
            {
                s_connections.Add(connection);
            }
        }

        /// <summary>Removes the connection and frees its native handle (an in-flight pager keeps it alive until it ends).</summary>
        internal static bool Remove(Connection connection)
        {
            bool removed;
            lock (s_lock)
            {
                removed = s_connections.Remove(connection);
            }
            if (removed)
            {
                connection.Handle.Dispose();
            }
            return removed;
        }

        internal static IReadOnlyList<Connection> All
        {
            get
            {
                lock (s_lock)
                {
                    return s_connections.ToArray();
                }
            }
        }

        internal static Connection? FindById(string connectionId)
        {
            lock (s_lock)
            {
                return s_connections.FirstOrDefault(c => string.Equals(c.ConnectionId, connectionId, StringComparison.OrdinalIgnoreCase));
            }
        }

        internal static Connection? FindByPrefix(string prefix)
        {
            lock (s_lock)
            {
                return s_connections.FirstOrDefault(c => string.Equals(c.Prefix, prefix, StringComparison.OrdinalIgnoreCase));
            }
        }

        /// <summary>
        /// The connection cmdlets without a prefix use: the most recent one made without a
        /// prefix (as in Microsoft's module, where a prefixed connect leaves Get-Mailbox bound
        /// to the earlier session), else the most recent of all.
        /// </summary>
        internal static Connection? Default
        {
            get
            {
                lock (s_lock)
                {
                    return s_connections.LastOrDefault(c => c.Prefix == null) ?? s_connections.LastOrDefault();
                }
            }
        }
    }
}
