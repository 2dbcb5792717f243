import click

@click.group()
def main():
    """gongkai: crawl, extract, archive and publish government information-disclosure annual reports."""
