"""Drives Wharf over FTPS with Python's ftplib, resuming the control session on every data connection.

usage: ftps_client.py HOST PORT explicit|implicit UPLOAD_FILE DOWNLOAD_FILE
"""
import ftplib
import socket
import ssl
import sys

host, port, mode, upload, download = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
if len(sys.argv) > 6:
    context.maximum_version = getattr(ssl.TLSVersion, sys.argv[6])


class ImplicitFTP_TLS(ftplib.FTP_TLS):
    """TLS from the first byte (port 990 style); ftplib only knows AUTH TLS."""

    def connect(self, host, port, timeout=30):
        self.host, self.port = host, port
        plain = socket.create_connection((host, port), timeout)
        self.af = plain.family
        self.sock = self.context.wrap_socket(plain, server_hostname=host)
        self.file = self.sock.makefile('r', encoding=self.encoding)
        self.welcome = self.getresp()
        return self.welcome


class Reporting:
    """Resumes the control connection's TLS session on every data connection (ftplib 3.11 itself does not pass
    the session) and prints whether the server accepted the resumption."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)
        print('DATA', cmd.split()[0], 'resumed' if conn.session_reused else 'NOT resumed', flush=True)
        return conn, size


class ExplicitClient(Reporting, ftplib.FTP_TLS):
    pass


class ImplicitClient(Reporting, ImplicitFTP_TLS):
    pass


ftp = (ImplicitClient if mode == 'implicit' else ExplicitClient)(context=context, timeout=60)
ftp.connect(host, port)
ftp.login('alice', 'wonderland')
ftp.prot_p()
print('TLS', ftp.sock.version())
with open(upload, 'rb') as source:
    ftp.storbinary('STOR big.bin', source)
print('NAMES', ftp.nlst())
with open(download, 'wb') as target:
    ftp.retrbinary('RETR big.bin', target.write)
ftp.quit()
print('DONE')
