"""Uploads and downloads files with Python's ftplib, as a stock client or one that resumes TLS sessions.

usage: ftplib_matrix.py HOST PORT plain|explicit|implicit stock|reuse DIRECTORY NAME...
Each NAME is uploaded from DIRECTORY/up-NAME to up-NAME, then down-NAME is downloaded to DIRECTORY/back-NAME.
Prints one line per transfer: 'STOR up-NAME ok' or 'STOR up-NAME failed <reply>' (the same for RETR), and the
TLS version and, for each data connection, whether it resumed the control session.
"""
import ftplib
import os
import socket
import ssl
import sys

host, port, mode, variant, directory = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
names = sys.argv[6:]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE


class Implicit:
    """TLS from the first byte; ftplib only knows AUTH TLS."""

    def connect(self, host, port, timeout=60):
        self.host, self.port = host, port
        plain = socket.create_connection((host, port), timeout)
        self.af = plain.family
        self.sock = self.context.wrap_socket(plain, server_hostname=host)
        self.file = self.sock.makefile('r', encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome


class Resuming:
    """Passes the control connection's TLS session to each data connection, which stock ftplib does not."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)
        return conn, size


class Reporting:
    """Prints whether each protected data connection resumed the control session."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = super().ntransfercmd(cmd, rest)
        if isinstance(conn, ssl.SSLSocket):
            print('DATA', cmd.split()[0], 'resumed' if conn.session_reused else 'fresh', flush=True)
        return conn, size


bases = [Reporting]
if variant == 'reuse':
    bases.append(Resuming)
if mode == 'implicit':
    bases.append(Implicit)
bases.append(ftplib.FTP if mode == 'plain' else ftplib.FTP_TLS)
Client = type('Client', tuple(bases), {})
ftp = Client(timeout=60) if mode == 'plain' else Client(context=context, timeout=60)
ftp.connect(host, port)
ftp.login('alice', 'wonderland')
if mode != 'plain':
    ftp.prot_p()
    print('TLS', ftp.sock.version(), flush=True)
for name in names:
    try:
        with open(os.path.join(directory, 'up-' + name), 'rb') as source:
            ftp.storbinary('STOR up-' + name, source)
        print('STOR up-' + name, 'ok', flush=True)
    except (ftplib.Error, OSError) as failure:
        print('STOR up-' + name, 'failed', failure, flush=True)
for name in names:
    try:
        with open(os.path.join(directory, 'back-' + name), 'wb') as target:
            ftp.retrbinary('RETR down-' + name, target.write)
        print('RETR down-' + name, 'ok', flush=True)
    except (ftplib.Error, OSError) as failure:
        print('RETR down-' + name, 'failed', failure, flush=True)
ftp.quit()
print('DONE')
