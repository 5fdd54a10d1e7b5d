"""Starts an FTPS upload, sends part of a file and closes the data connection without TLS close_notify, as a cut
connection or a truncation attack would; then prints the server's reply to the STOR.

usage: ftps_cut_upload.py HOST PORT
"""
import ftplib
import ssl
import sys

host, port = sys.argv[1], int(sys.argv[2])
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
ftp = ftplib.FTP_TLS(context=context, timeout=30)
ftp.connect(host, port)
ftp.login('alice', 'wonderland')
ftp.prot_p()
plain, _ = ftplib.FTP.ntransfercmd(ftp, 'STOR cut.bin')
data = context.wrap_socket(plain, server_hostname=host, session=ftp.sock.session)
data.sendall(b'x' * 100_000)
data.close()  # Python's close() sends no close_notify (unwrap() would)
try:
    print('REPLY', ftp.voidresp())
except ftplib.Error as refused:
    print('REPLY', refused)
ftp.quit()
